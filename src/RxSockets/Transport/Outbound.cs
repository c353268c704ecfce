namespace RxSockets.Transport;

/// <summary>An entry of the send queue: a message to frame, or a frame already made once for many recipients.
/// <see cref="LeaseVersion"/> is not 0 for a <see cref="MessageLease"/> handed over: the writer gives its buffer back
/// once written.</summary>
internal readonly record struct Outbound(Message Message, PreparedFrame? Prepared, int LeaseVersion = 0)
{
    public int Length => Prepared?.PayloadLength ?? Message.Data.Length;

    /// <summary>Gives back what the entry holds once the writer is done with it (written or dropped): the send queue's
    /// reference to a prepared frame, or a handed-over lease's buffer; nothing for a plain message.</summary>
    public void Release()
    {
        if (Prepared is { } prepared)
        {
            prepared.Release();
        }
        else if (LeaseVersion != 0)
        {
            PooledPayload.Of(Message.Data)?.Release(LeaseVersion);
        }
    }
}
