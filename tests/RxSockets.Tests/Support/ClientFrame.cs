using System.Buffers.Binary;
using RxSockets.Protocol;
using RxSockets.Protocol.Frames;

namespace RxSockets.Tests.Support;

/// <summary>
/// Builds frames byte by byte for tests, independently of <see cref="FrameWriter"/>: masked frames as a client sends
/// them, unmasked frames as a server sends them. Always uses the minimal length encoding.
/// </summary>
internal static class ClientFrame
{
    /// <summary>The mask key of the RFC 6455 §5.7 examples.</summary>
    public static readonly byte[] RfcMaskKey = [0x37, 0xfa, 0x21, 0x3d];

    /// <summary>A masked frame (client to server).</summary>
    public static byte[] Masked(Opcode opcode, byte[] payload, bool fin = true, byte rsv = 0, byte[]? maskKey = null) =>
        Build((byte)opcode, payload, fin, rsv, maskKey ?? RfcMaskKey);

    /// <summary>An unmasked frame (server to client).</summary>
    public static byte[] Unmasked(Opcode opcode, byte[] payload, bool fin = true, byte rsv = 0) =>
        Build((byte)opcode, payload, fin, rsv, maskKey: null);

    /// <summary>Any frame, including ones with reserved opcodes.</summary>
    public static byte[] Build(byte opcode, byte[] payload, bool fin, byte rsv, byte[]? maskKey)
    {
        var header = new List<byte> { (byte)((fin ? 0x80 : 0) | (rsv << 4) | opcode) };
        var maskBit = maskKey is null ? 0 : 0x80;
        if (payload.Length <= 125)
        {
            header.Add((byte)(maskBit | payload.Length));
        }
        else if (payload.Length <= ushort.MaxValue)
        {
            header.Add((byte)(maskBit | 126));
            header.Add((byte)(payload.Length >> 8));
            header.Add((byte)payload.Length);
        }
        else
        {
            header.Add((byte)(maskBit | 127));
            var length = new byte[8];
            BinaryPrimitives.WriteUInt64BigEndian(length, (ulong)payload.Length);
            header.AddRange(length);
        }

        var body = (byte[])payload.Clone();
        if (maskKey is not null)
        {
            header.AddRange(maskKey);
            for (var i = 0; i < body.Length; i++)
            {
                body[i] ^= maskKey[i % 4];
            }
        }

        return [.. header, .. body];
    }
}
