using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.InteropServices;

namespace RxSockets.Protocol.Frames;

/// <summary>The XOR masking of RFC 6455 §5.3, vectorised. Masking and unmasking are the same operation.</summary>
internal static class Masking
{
    /// <summary>Masks <paramref name="data"/> in place.</summary>
    /// <param name="data">The bytes to (un)mask.</param>
    /// <param name="maskKey">The key as read little-endian from the wire (byte 0 of the key is the low byte).</param>
    /// <param name="offset">How many payload bytes of this frame came before <paramref name="data"/>.</param>
    /// <returns>The offset to pass for the bytes that follow.</returns>
    public static int Apply(Span<byte> data, int maskKey, int offset) =>
        maskKey == 0 ? (offset + data.Length) & 3 : CopyMasked(data, data, maskKey, offset);

    /// <summary>Copies <paramref name="source"/> into <paramref name="destination"/> masking it on the way: one pass
    /// over the bytes instead of a copy and then a masking pass over the copy.</summary>
    /// <param name="source">The bytes to (un)mask.</param>
    /// <param name="destination">At least as long as <paramref name="source"/>; either <paramref name="source"/> itself
    /// (masking in place, as <see cref="Apply"/> does) or not overlapping it.</param>
    /// <param name="maskKey">As for <see cref="Apply"/>.</param>
    /// <param name="offset">How many payload bytes of this frame came before <paramref name="source"/>.</param>
    /// <returns>The offset to pass for the bytes that follow.</returns>
    public static int CopyMasked(ReadOnlySpan<byte> source, Span<byte> destination, int maskKey, int offset)
    {
        if (maskKey == 0)
        {
            source.CopyTo(destination);
            return (offset + source.Length) & 3;
        }

        destination = destination[..source.Length];
        var rotated = (int)BitOperations.RotateRight((uint)maskKey, (offset & 3) * 8);
        var i = 0;
        if (Vector.IsHardwareAccelerated && source.Length >= Vector<byte>.Count)
        {
            var keyVector = Vector.AsVectorByte(new Vector<int>(rotated));
            var from = MemoryMarshal.Cast<byte, Vector<byte>>(source);
            var to = MemoryMarshal.Cast<byte, Vector<byte>>(destination);
            for (var v = 0; v < from.Length; v++)
            {
                to[v] = from[v] ^ keyVector;
            }

            i = from.Length * Vector<byte>.Count;
        }

        var key64 = (long)(uint)rotated << 32 | (uint)rotated;
        for (; i + 8 <= source.Length; i += 8)
        {
            BinaryPrimitives.WriteInt64LittleEndian(destination[i..], BinaryPrimitives.ReadInt64LittleEndian(source[i..]) ^ key64);
        }

        for (; i < source.Length; i++)
        {
            destination[i] = (byte)(source[i] ^ (byte)(rotated >> ((i & 3) * 8)));
        }

        return (offset + source.Length) & 3;
    }
}
