namespace RxSockets.Reactive;

/// <summary>What became of a value offered to an <see cref="IMailboxBuffer{T}"/>.</summary>
internal enum MailboxOffer
{
    /// <summary>Stored; nothing dropped.</summary>
    Stored,

    /// <summary>Stored, or discarded by the policy; either way exactly one value was dropped.</summary>
    StoredWithDrop,

    /// <summary>Not taken: the mailbox is full and its policy is to fail.</summary>
    Overflow,
}
