using System.Buffers.Binary;

namespace RxSockets.Tests.Conformance;

/// <summary>
/// Builds frames byte by byte as a peer of a connection in a given role sends them (masked towards a server, unmasked
/// towards a client), independently of the engine's <c>FrameWriter</c>. Unlike <c>ClientFrame</c> it can write any
/// opcode, reserved bits, a length encoding wider than needed, or a header that declares more payload than follows.
/// </summary>
internal static class WireFrame
{
    private static readonly byte[] s_maskKey = [0xA5, 0x3C, 0x0F, 0x96];

    /// <summary>A whole frame sent to a connection playing <paramref name="target"/>.</summary>
    /// <param name="lengthBytes">0, 2 or 8 extension bytes for the length; null for the minimal encoding.</param>
    public static byte[] To(ConnectionRole target, int opcode, byte[] payload, bool fin = true, int rsv = 0, int? lengthBytes = null)
    {
        var header = Header(target, opcode, (ulong)payload.Length, fin, rsv, lengthBytes);
        var body = (byte[])payload.Clone();
        if (target == ConnectionRole.Server)
        {
            for (var i = 0; i < body.Length; i++)
            {
                body[i] ^= s_maskKey[i % 4];
            }
        }

        return [.. header, .. body];
    }

    /// <summary>Only the header of a frame declaring <paramref name="declaredLength"/> payload bytes (as raw 64 bits).</summary>
    public static byte[] Header(ConnectionRole target, int opcode, ulong declaredLength, bool fin = true, int rsv = 0, int? lengthBytes = null)
    {
        var masked = target == ConnectionRole.Server;
        var width = lengthBytes ?? (declaredLength <= 125 ? 0 : declaredLength <= ushort.MaxValue ? 2 : 8);
        var header = new List<byte> { (byte)((fin ? 0x80 : 0) | (rsv << 4) | opcode) };
        var maskBit = masked ? 0x80 : 0;
        switch (width)
        {
            case 0:
                header.Add((byte)(maskBit | (int)declaredLength));
                break;
            case 2:
                header.Add((byte)(maskBit | 126));
                header.Add((byte)(declaredLength >> 8));
                header.Add((byte)declaredLength);
                break;
            default:
                header.Add((byte)(maskBit | 127));
                var length = new byte[8];
                BinaryPrimitives.WriteUInt64BigEndian(length, declaredLength);
                header.AddRange(length);
                break;
        }

        if (masked)
        {
            header.AddRange(s_maskKey);
        }

        return [.. header];
    }

    /// <summary>The first <paramref name="payloadBytes"/> payload bytes of a frame, with its whole header: what a peer
    /// has sent when the rest of the frame is still on its way.</summary>
    public static byte[] Prefix(ConnectionRole target, int opcode, byte[] payload, int payloadBytes, bool fin = true)
    {
        var frame = To(target, opcode, payload, fin);
        var headerLength = frame.Length - payload.Length;
        return frame[..(headerLength + payloadBytes)];
    }

    /// <summary>A close frame's body: a 2-byte code and the reason bytes.</summary>
    public static byte[] CloseBody(int code, byte[] reason)
    {
        var body = new byte[2 + reason.Length];
        BinaryPrimitives.WriteUInt16BigEndian(body, (ushort)code);
        reason.CopyTo(body, 2);
        return body;
    }
}
