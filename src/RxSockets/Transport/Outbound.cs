namespace RxSockets.Transport;

/// <summary>An entry of the send queue: a message to frame, or a frame already made once for many recipients.</summary>
internal readonly record struct Outbound(Message Message, PreparedFrame? Prepared)
{
    public int Length => Prepared?.PayloadLength ?? Message.Data.Length;
}
