namespace RxSockets.Reactive;

/// <summary>The storage policy of one subscriber's mailbox. Called under the mailbox's lock only.</summary>
internal interface IMailboxBuffer<T>
{
    /// <summary>Stores a value.</summary>
    /// <returns><see cref="MailboxOffer.Stored"/>, <see cref="MailboxOffer.StoredWithDrop"/> when a value (this one or
    /// a waiting one) was discarded, or <see cref="MailboxOffer.Overflow"/> when the value cannot be taken.</returns>
    MailboxOffer Offer(T value);

    /// <summary>Takes the next value to deliver.</summary>
    bool TryTake(out T value);
}
