namespace RxSockets.Transport;

/// <summary>An entry of the send queue: a message to frame, or a frame already made once for many recipients.
/// <see cref="LeaseVersion"/> is not 0 for a <see cref="MessageLease"/> handed over: the writer gives its buffer back
/// once written.</summary>
internal readonly record struct Outbound(Message Message, PreparedFrame? Prepared, int LeaseVersion = 0)
{
    public int Length => Prepared?.PayloadLength ?? Message.Data.Length;

    /// <summary>Gives a handed-over lease's buffer back (after writing it); nothing for other entries.</summary>
    public void ReleaseLease()
    {
        if (LeaseVersion != 0)
        {
            PooledPayload.Of(Message.Data)?.Release(LeaseVersion);
        }
    }
}
