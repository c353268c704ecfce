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
    public static int Apply(Span<byte> data, int maskKey, int offset)
    {
        if (data.IsEmpty || maskKey == 0)
        {
            return (offset + data.Length) & 3;
        }

        var rotated = (int)BitOperations.RotateRight((uint)maskKey, (offset & 3) * 8);
        var i = 0;
        if (Vector.IsHardwareAccelerated && data.Length >= Vector<byte>.Count)
        {
            var keyVector = Vector.AsVectorByte(new Vector<int>(rotated));
            var vectors = MemoryMarshal.Cast<byte, Vector<byte>>(data);
            for (var v = 0; v < vectors.Length; v++)
            {
                vectors[v] ^= keyVector;
            }

            i = vectors.Length * Vector<byte>.Count;
        }

        var key64 = (long)(uint)rotated << 32 | (uint)rotated;
        for (; i + 8 <= data.Length; i += 8)
        {
            var chunk = BinaryPrimitives.ReadInt64LittleEndian(data[i..]);
            BinaryPrimitives.WriteInt64LittleEndian(data[i..], chunk ^ key64);
        }

        for (; i < data.Length; i++)
        {
            data[i] ^= (byte)(rotated >> ((i & 3) * 8));
        }

        return (offset + data.Length) & 3;
    }
}
