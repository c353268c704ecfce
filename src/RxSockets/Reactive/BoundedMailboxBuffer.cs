namespace RxSockets.Reactive;

/// <summary>A FIFO of at most <c>capacity</c> values with an overflow policy.</summary>
internal sealed class BoundedMailboxBuffer<T>(int capacity, MailboxOverflow overflow) : IMailboxBuffer<T>
{
    private readonly Queue<T> _queue = new(Math.Min(capacity, 64));

    public MailboxOffer Offer(T value)
    {
        if (_queue.Count < capacity)
        {
            _queue.Enqueue(value);
            return MailboxOffer.Stored;
        }

        switch (overflow)
        {
            case MailboxOverflow.DropOldest:
                _queue.Dequeue();
                _queue.Enqueue(value);
                return MailboxOffer.StoredWithDrop;
            case MailboxOverflow.DropNewest:
                return MailboxOffer.StoredWithDrop;
            default:
                return MailboxOffer.Overflow;
        }
    }

    public bool TryTake(out T value) => _queue.TryDequeue(out value!);
}
