using RxSockets.Protocol;

namespace RxSockets.Transport;

/// <summary>
/// A server-to-client message framed once (server frames are never masked), so a broadcast serialises and frames
/// once for all its recipients and each connection only copies bytes. Immutable; safe to share.
/// </summary>
internal sealed class PreparedFrame
{
    private PreparedFrame(byte[] bytes, int payloadLength)
    {
        Bytes = bytes;
        PayloadLength = payloadLength;
    }

    public byte[] Bytes { get; }

    public int PayloadLength { get; }

    public static PreparedFrame Create(Message message, int fragmentSize)
    {
        var writer = new System.Buffers.ArrayBufferWriter<byte>(message.Data.Length + FrameHeader.MaxLength);
        FrameWriter.WriteMessage(writer, message.Type, message.Data.Span, fragmentSize, masks: null);
        return new PreparedFrame(writer.WrittenSpan.ToArray(), message.Data.Length);
    }
}
