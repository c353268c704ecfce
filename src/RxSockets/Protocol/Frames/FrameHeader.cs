using System.Buffers;
using System.Buffers.Binary;

namespace RxSockets.Protocol.Frames;

/// <summary>A parsed frame header (RFC 6455 §5.2): at most 14 bytes on the wire.</summary>
internal readonly record struct FrameHeader(bool Fin, byte Rsv, Opcode Opcode, bool Masked, int MaskKey, long PayloadLength, int HeaderLength)
{
    internal const int MaxLength = 14;
    internal const int MaxControlPayloadLength = 125;

    /// <summary>True for close, ping and pong.</summary>
    public bool IsControl => ((byte)Opcode & 0x8) != 0;

    /// <summary>RSV1: "compressed" under permessage-deflate (RFC 7692 §6).</summary>
    public bool Rsv1 => (Rsv & 0x4) != 0;

    /// <summary>
    /// Parses a header from the start of <paramref name="buffer"/> without consuming it. Checks everything the header
    /// alone can tell: reserved opcodes, RSV bits outside <paramref name="allowedRsv"/>, masking for the role, control
    /// frame rules, the 64-bit length's most significant bit, and <paramref name="maxPayload"/>.
    /// </summary>
    /// <returns>False when the buffer does not yet hold the whole header.</returns>
    /// <exception cref="ProtocolException">The header breaks the protocol or a limit.</exception>
    public static bool TryParse(in ReadOnlySequence<byte> buffer, bool expectMasked, byte allowedRsv, long maxPayload, out FrameHeader header)
    {
        var first = buffer.FirstSpan;
        if (first.Length >= MaxLength || buffer.IsSingleSegment)
        {
            return TryParse(first, expectMasked, allowedRsv, maxPayload, out header);
        }

        Span<byte> scratch = stackalloc byte[MaxLength];
        return TryParse(Gather(buffer, scratch), expectMasked, allowedRsv, maxPayload, out header);
    }

    /// <summary>As <see cref="TryParse(in ReadOnlySequence{byte}, bool, byte, long, out FrameHeader)"/>, from contiguous
    /// bytes (the common case: the header lies in the first segment of what was read).</summary>
    public static bool TryParse(ReadOnlySpan<byte> bytes, bool expectMasked, byte allowedRsv, long maxPayload, out FrameHeader header)
    {
        header = default;
        if (bytes.Length < 2)
        {
            return false;
        }

        var b0 = bytes[0];
        var b1 = bytes[1];
        var masked = (b1 & 0x80) != 0;
        var length7 = b1 & 0x7F;
        var headerLength = 2 + (length7 == 126 ? 2 : length7 == 127 ? 8 : 0) + (masked ? 4 : 0);
        if (bytes.Length < headerLength)
        {
            return false;
        }

        var fin = (b0 & 0x80) != 0;
        var rsv = (byte)((b0 >> 4) & 0x7);
        var opcode = (Opcode)(b0 & 0x0F);
        long payloadLength = length7;
        var offset = 2;
        if (length7 == 126)
        {
            payloadLength = BinaryPrimitives.ReadUInt16BigEndian(bytes[2..]);
            offset = 4;
        }
        else if (length7 == 127)
        {
            var raw = BinaryPrimitives.ReadUInt64BigEndian(bytes[2..]);
            // RFC 6455 §5.2: the most significant bit of a 64-bit length MUST be 0.
            if (raw > long.MaxValue)
            {
                throw new ProtocolException(CloseCode.ProtocolError, "The 64-bit payload length has its most significant bit set.");
            }

            payloadLength = (long)raw;
            offset = 10;
        }

        var maskKey = masked ? BinaryPrimitives.ReadInt32LittleEndian(bytes[offset..]) : 0;
        header = new FrameHeader(fin, rsv, opcode, masked, maskKey, payloadLength, headerLength);
        header.Validate(expectMasked, allowedRsv, maxPayload);
        return true;
    }

    private void Validate(bool expectMasked, byte allowedRsv, long maxPayload)
    {
        if ((Rsv & ~allowedRsv) != 0)
        {
            throw new ProtocolException(CloseCode.ProtocolError, "A reserved bit is set without an extension that defines it.");
        }

        if (Opcode is not (Opcode.Continuation or Opcode.Text or Opcode.Binary or Opcode.Close or Opcode.Ping or Opcode.Pong))
        {
            throw new ProtocolException(CloseCode.ProtocolError, $"Reserved opcode 0x{(byte)Opcode:X}.");
        }

        // RFC 6455 §5.1: a server MUST close on an unmasked frame; a client MUST close on a masked one.
        if (Masked != expectMasked)
        {
            throw new ProtocolException(CloseCode.ProtocolError, expectMasked ? "A client frame was not masked." : "A server frame was masked.");
        }

        if (IsControl)
        {
            // RFC 6455 §5.5: control frames must not be fragmented and carry at most 125 bytes.
            if (!Fin || PayloadLength > MaxControlPayloadLength)
            {
                throw new ProtocolException(CloseCode.ProtocolError, !Fin ? "A control frame was fragmented." : "A control frame carried more than 125 bytes.");
            }

            if (Rsv != 0)
            {
                throw new ProtocolException(CloseCode.ProtocolError, "A control frame had a reserved bit set.");
            }
        }
        else if (PayloadLength > maxPayload)
        {
            throw new ProtocolException(CloseCode.MessageTooBig, $"A frame of {PayloadLength} bytes exceeds the message limit of {maxPayload} bytes.");
        }
    }

    private static ReadOnlySpan<byte> Gather(in ReadOnlySequence<byte> buffer, Span<byte> scratch)
    {
        var length = (int)Math.Min(buffer.Length, MaxLength);
        buffer.Slice(0, length).CopyTo(scratch);
        return scratch[..length];
    }
}
