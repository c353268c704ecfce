using System.Buffers;

namespace RxSockets.Protocol.Frames;

/// <summary>One whole frame with its unmasked payload: for scripted peers, tests and tools, not the hot path
/// (which streams payloads through <see cref="WebSocketProtocol"/>).</summary>
internal readonly record struct Frame(FrameHeader Header, byte[] Payload)
{
    /// <summary>Reads a whole frame from the start of <paramref name="buffer"/>, advancing it on success.</summary>
    /// <returns>False when the buffer does not yet hold the whole frame.</returns>
    /// <exception cref="ProtocolException">The header breaks the protocol or <paramref name="maxPayload"/>.</exception>
    public static bool TryRead(ref ReadOnlySequence<byte> buffer, bool expectMasked, long maxPayload, out Frame frame, byte allowedRsv = 0)
    {
        frame = default;
        if (!FrameHeader.TryParse(buffer, expectMasked, allowedRsv, maxPayload, out var header)
            || buffer.Length < header.HeaderLength + header.PayloadLength)
        {
            return false;
        }

        var payload = buffer.Slice(header.HeaderLength, header.PayloadLength).ToArray();
        Masking.Apply(payload, header.MaskKey, 0);
        buffer = buffer.Slice(header.HeaderLength + header.PayloadLength);
        frame = new Frame(header, payload);
        return true;
    }
}
