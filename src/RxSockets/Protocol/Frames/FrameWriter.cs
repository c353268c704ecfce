using System.Buffers;
using System.Buffers.Binary;

namespace RxSockets.Protocol.Frames;

/// <summary>Writes frames (RFC 6455 §5.2) into an <see cref="IBufferWriter{T}"/>, always with the minimal length encoding.</summary>
internal static class FrameWriter
{
    /// <summary>The number of header bytes a frame with <paramref name="payloadLength"/> bytes needs.</summary>
    public static int HeaderLength(long payloadLength, bool masked) =>
        (payloadLength <= 125 ? 2 : payloadLength <= ushort.MaxValue ? 4 : 10) + (masked ? 4 : 0);

    /// <summary>Writes a header into <paramref name="destination"/>; a null <paramref name="maskKey"/> means an
    /// unmasked (server) frame.</summary>
    /// <returns>The number of bytes written.</returns>
    public static int WriteHeader(Span<byte> destination, Opcode opcode, bool fin, bool rsv1, long payloadLength, int? maskKey)
    {
        destination[0] = (byte)((fin ? 0x80 : 0) | (rsv1 ? 0x40 : 0) | (byte)opcode);
        var maskBit = maskKey.HasValue ? 0x80 : 0;
        int offset;
        if (payloadLength <= 125)
        {
            destination[1] = (byte)(maskBit | (int)payloadLength);
            offset = 2;
        }
        else if (payloadLength <= ushort.MaxValue)
        {
            destination[1] = (byte)(maskBit | 126);
            BinaryPrimitives.WriteUInt16BigEndian(destination[2..], (ushort)payloadLength);
            offset = 4;
        }
        else
        {
            destination[1] = (byte)(maskBit | 127);
            BinaryPrimitives.WriteUInt64BigEndian(destination[2..], (ulong)payloadLength);
            offset = 10;
        }

        if (maskKey is { } key)
        {
            BinaryPrimitives.WriteInt32LittleEndian(destination[offset..], key);
            offset += 4;
        }

        return offset;
    }

    /// <summary>Writes a whole frame: header, then the payload (masked on the way when a key is given).</summary>
    public static void WriteFrame(IBufferWriter<byte> output, Opcode opcode, bool fin, bool rsv1, ReadOnlySpan<byte> payload, int? maskKey)
    {
        var headerLength = HeaderLength(payload.Length, maskKey.HasValue);
        var span = output.GetSpan(headerLength + Math.Min(payload.Length, 4096));
        WriteHeader(span, opcode, fin, rsv1, payload.Length, maskKey);
        var chunk = Math.Min(payload.Length, span.Length - headerLength);
        var maskOffset = Masking.CopyMasked(payload[..chunk], span[headerLength..], maskKey ?? 0, 0);
        output.Advance(headerLength + chunk);
        payload = payload[chunk..];

        while (!payload.IsEmpty)
        {
            span = output.GetSpan(Math.Min(payload.Length, 65536));
            chunk = Math.Min(payload.Length, span.Length);
            maskOffset = Masking.CopyMasked(payload[..chunk], span, maskKey ?? 0, maskOffset);

            output.Advance(chunk);
            payload = payload[chunk..];
        }
    }

    /// <summary>Writes a data message, split into frames of at most <paramref name="fragmentSize"/> bytes (0 = one frame).</summary>
    /// <param name="compressed">The payload is permessage-deflate data: RSV1 goes on the first frame only (RFC 7692 §6).</param>
    public static void WriteMessage(IBufferWriter<byte> output, MessageType type, ReadOnlySpan<byte> payload, int fragmentSize, MaskKeySource? masks, bool compressed = false)
    {
        var opcode = type == MessageType.Text ? Opcode.Text : Opcode.Binary;
        if (fragmentSize <= 0 || payload.Length <= fragmentSize)
        {
            WriteFrame(output, opcode, fin: true, rsv1: compressed, payload, masks?.Next());
            return;
        }

        while (true)
        {
            var last = payload.Length <= fragmentSize;
            var piece = last ? payload : payload[..fragmentSize];
            WriteFrame(output, opcode, last, rsv1: compressed && opcode != Opcode.Continuation, piece, masks?.Next());
            if (last)
            {
                return;
            }

            payload = payload[fragmentSize..];
            opcode = Opcode.Continuation;
        }
    }

    /// <summary>Writes a close frame (RFC 6455 §5.5.1); a status of null sends an empty body.</summary>
    public static void WriteClose(IBufferWriter<byte> output, CloseStatus? status, int? maskKey)
    {
        Span<byte> body = stackalloc byte[FrameHeader.MaxControlPayloadLength];
        var length = status is { } s ? ClosePayload.Write(body, s) : 0;
        WriteFrame(output, Opcode.Close, fin: true, rsv1: false, body[..length], maskKey);
    }
}
