using System.Buffers;
using System.Buffers.Text;
using System.Text;

namespace RxSockets.Redis;

/// <summary>
/// The frames the backplane sends over Redis pub/sub. A frame is one kind byte, then fields, each written as its byte
/// length in ASCII decimal, <c>':'</c> and its bytes (a netstring without the trailing comma), then, for the kinds that
/// carry a message, the payload: every byte up to the end, as is (never re-encoded). Topic publication frames are built by
/// the publish script (so that offset, epoch and delivery order come from one atomic step), the others here.
/// </summary>
/// <remarks>
/// <list type="table">
/// <item><term><c>P</c> publication</term><description>offset, epoch, type (<c>T</c>/<c>B</c>), node, except
/// (empty for none); payload.</description></item>
/// <item><term><c>B</c> broadcast</term><description>node, except, filter (<c>-</c> for none, else <c>+</c> and the
/// name), type; payload.</description></item>
/// <item><term><c>M</c> membership</term><description>joined (<c>1</c>/<c>0</c>), node, connection id, topic.</description></item>
/// <item><term><c>Q</c> probe</term><description>node, nonce: sent by a node to itself to prove a subscription live.</description></item>
/// </list>
/// </remarks>
internal static class RedisFrames
{
    public const byte Publication = (byte)'P';
    public const byte Broadcast = (byte)'B';
    public const byte Membership = (byte)'M';
    public const byte Probe = (byte)'Q';

    private static readonly UTF8Encoding s_utf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public static byte TypeCode(MessageType type) => type == MessageType.Binary ? (byte)'B' : (byte)'T';

    public static string TypeText(MessageType type) => type == MessageType.Binary ? "B" : "T";

    public static byte[] EncodeBroadcast(string node, long? except, string? filter, Message message)
    {
        var writer = new ArrayBufferWriter<byte>(64 + message.Data.Length);
        writer.Write([Broadcast]);
        WriteField(writer, node);
        WriteField(writer, except is { } id ? id.ToString(System.Globalization.CultureInfo.InvariantCulture) : string.Empty);
        WriteField(writer, filter is null ? "-" : "+" + filter);
        WriteField(writer, [TypeCode(message.Type)]);
        writer.Write(message.Data.Span);
        return writer.WrittenSpan.ToArray();
    }

    public static byte[] EncodeMembership(bool joined, string node, long connectionId, string topic)
    {
        var writer = new ArrayBufferWriter<byte>(32 + topic.Length * 3);
        writer.Write([Membership]);
        WriteField(writer, joined ? "1" : "0");
        WriteField(writer, node);
        WriteField(writer, connectionId.ToString(System.Globalization.CultureInfo.InvariantCulture));
        WriteField(writer, topic);
        return writer.WrittenSpan.ToArray();
    }

    public static byte[] EncodeProbe(string node, string nonce)
    {
        var writer = new ArrayBufferWriter<byte>(64);
        writer.Write([Probe]);
        WriteField(writer, node);
        WriteField(writer, nonce);
        return writer.WrittenSpan.ToArray();
    }

    /// <summary>Reads a publication frame; false when it is not one or is malformed.</summary>
    public static bool TryDecodePublication(ReadOnlyMemory<byte> frame, out long offset, out string epoch, out Message message, out string node, out long? except)
    {
        offset = 0;
        epoch = node = string.Empty;
        message = default;
        except = null;
        var span = frame.Span;
        var position = 1;
        if (span.IsEmpty || span[0] != Publication
            || !TryReadField(span, ref position, out var offsetBytes) || !Utf8Parser.TryParse(offsetBytes, out offset, out var used) || used != offsetBytes.Length
            || !TryReadString(span, ref position, out epoch)
            || !TryReadField(span, ref position, out var type) || type.Length != 1
            || !TryReadString(span, ref position, out node)
            || !TryReadOptionalLong(span, ref position, out except))
        {
            return false;
        }

        return TryCreateMessage(type[0], frame[position..], out message);
    }

    /// <summary>Reads a broadcast frame; false when it is not one or is malformed.</summary>
    public static bool TryDecodeBroadcast(ReadOnlyMemory<byte> frame, out string node, out long? except, out string? filter, out Message message)
    {
        node = string.Empty;
        except = null;
        filter = null;
        message = default;
        var span = frame.Span;
        var position = 1;
        if (span.IsEmpty || span[0] != Broadcast
            || !TryReadString(span, ref position, out node)
            || !TryReadOptionalLong(span, ref position, out except)
            || !TryReadString(span, ref position, out var filterField) || filterField.Length == 0
            || !TryReadField(span, ref position, out var type) || type.Length != 1)
        {
            return false;
        }

        filter = filterField[0] == '+' ? filterField[1..] : null;
        return TryCreateMessage(type[0], frame[position..], out message);
    }

    /// <summary>Reads a membership frame; false when it is not one or is malformed.</summary>
    public static bool TryDecodeMembership(ReadOnlySpan<byte> span, out bool joined, out string node, out long connectionId, out string topic)
    {
        joined = false;
        node = topic = string.Empty;
        connectionId = 0;
        var position = 1;
        if (span.IsEmpty || span[0] != Membership
            || !TryReadField(span, ref position, out var joinedField) || joinedField.Length != 1
            || !TryReadString(span, ref position, out node)
            || !TryReadField(span, ref position, out var id) || !Utf8Parser.TryParse(id, out connectionId, out var used) || used != id.Length
            || !TryReadString(span, ref position, out topic))
        {
            return false;
        }

        joined = joinedField[0] == '1';
        return true;
    }

    /// <summary>Reads a probe frame; false when it is not one or is malformed.</summary>
    public static bool TryDecodeProbe(ReadOnlySpan<byte> span, out string node, out string nonce)
    {
        node = nonce = string.Empty;
        var position = 1;
        return !span.IsEmpty && span[0] == Probe
            && TryReadString(span, ref position, out node)
            && TryReadString(span, ref position, out nonce);
    }

    /// <summary>A message of type code <c>T</c> (valid UTF-8 only) or <c>B</c>.</summary>
    public static bool TryCreateMessage(byte type, ReadOnlyMemory<byte> payload, out Message message)
    {
        message = default;
        try
        {
            message = type switch
            {
                (byte)'B' => Message.Binary(payload),
                (byte)'T' => Message.Text(payload),
                _ => default,
            };
            return type is (byte)'B' or (byte)'T';
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    private static void WriteField(ArrayBufferWriter<byte> writer, string value) => WriteField(writer, Encoding.UTF8.GetBytes(value));

    private static void WriteField(ArrayBufferWriter<byte> writer, ReadOnlySpan<byte> value)
    {
        var length = writer.GetSpan(12);
        Utf8Formatter.TryFormat(value.Length, length, out var written);
        length[written++] = (byte)':';
        writer.Advance(written);
        writer.Write(value);
    }

    private static bool TryReadField(ReadOnlySpan<byte> span, ref int position, out ReadOnlySpan<byte> field)
    {
        field = default;
        var rest = span[position..];
        var colon = rest.IndexOf((byte)':');
        if (colon <= 0 || colon > 10 || !Utf8Parser.TryParse(rest[..colon], out int length, out var used) || used != colon
            || length < 0 || length > rest.Length - colon - 1)
        {
            return false;
        }

        field = rest.Slice(colon + 1, length);
        position += colon + 1 + length;
        return true;
    }

    private static bool TryReadString(ReadOnlySpan<byte> span, ref int position, out string value)
    {
        value = string.Empty;
        if (!TryReadField(span, ref position, out var field))
        {
            return false;
        }

        try
        {
            value = s_utf8.GetString(field);
            return true;
        }
        catch (DecoderFallbackException)
        {
            return false;
        }
    }

    private static bool TryReadOptionalLong(ReadOnlySpan<byte> span, ref int position, out long? value)
    {
        value = null;
        if (!TryReadField(span, ref position, out var field))
        {
            return false;
        }

        if (field.IsEmpty)
        {
            return true;
        }

        if (!Utf8Parser.TryParse(field, out long parsed, out var used) || used != field.Length)
        {
            return false;
        }

        value = parsed;
        return true;
    }
}
