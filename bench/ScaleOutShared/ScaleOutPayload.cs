using System.Buffers.Binary;
using System.Diagnostics;
using System.Globalization;

namespace RxSockets.Bench;

/// <summary>
/// The scale-out benchmark's message: a sequence number and the publisher's <see cref="Stopwatch.GetTimestamp"/> when
/// it published (CLOCK_MONOTONIC on Linux, shared by every process on the machine, so the load generator can time
/// publish → deliver across processes; it checks that on the welcome messages), padded to the message size.
/// Binary form: sequence number and timestamp as little-endian 64-bit integers, then zeros. Text form (SignalR's JSON
/// protocol carries strings): both as 16 hex digits, then dots.
/// </summary>
/// <remarks>Stateless and thread-safe.</remarks>
internal static class ScaleOutPayload
{
    /// <summary>The sequence number of the welcome a node sends each subscriber once it is subscribed.</summary>
    public const long Welcome = -1;

    /// <summary>The smallest message size: the binary header (16 bytes) and the text one (32 characters) fit.</summary>
    public const int MinimumSize = 32;

    /// <summary>A binary message of <paramref name="size"/> bytes, stamped now.</summary>
    public static byte[] Binary(long sequence, int size)
    {
        var data = new byte[size];
        BinaryPrimitives.WriteInt64LittleEndian(data, sequence);
        BinaryPrimitives.WriteInt64LittleEndian(data.AsSpan(8), Stopwatch.GetTimestamp());
        return data;
    }

    /// <summary>A text message of <paramref name="size"/> ASCII characters, stamped now.</summary>
    public static string Text(long sequence, int size) =>
        string.Create(size, (sequence, Stopwatch.GetTimestamp()), static (chars, state) =>
        {
            state.sequence.TryFormat(chars, out _, "x16", CultureInfo.InvariantCulture);
            state.Item2.TryFormat(chars[16..], out _, "x16", CultureInfo.InvariantCulture);
            chars[32..].Fill('.');
        });

    /// <summary>Reads a binary message.</summary>
    public static bool TryReadBinary(ReadOnlySpan<byte> data, out long sequence, out long timestamp)
    {
        if (data.Length < 16)
        {
            sequence = timestamp = 0;
            return false;
        }

        sequence = BinaryPrimitives.ReadInt64LittleEndian(data);
        timestamp = BinaryPrimitives.ReadInt64LittleEndian(data[8..]);
        return true;
    }

    /// <summary>Reads the first 32 characters of a text message (UTF-8 bytes).</summary>
    public static bool TryReadText(ReadOnlySpan<byte> utf8, out long sequence, out long timestamp)
    {
        if (utf8.Length >= 32
            && long.TryParse(utf8[..16], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out sequence)
            && long.TryParse(utf8[16..32], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out timestamp))
        {
            return true;
        }

        sequence = timestamp = 0;
        return false;
    }
}
