namespace RxSockets.Reactive;

/// <summary>One slot: a new value replaces the waiting one (latest-value conflation).</summary>
internal sealed class LatestMailboxBuffer<T> : IMailboxBuffer<T>
{
    private T? _value;
    private bool _full;

    public MailboxOffer Offer(T value)
    {
        var replaced = _full;
        _value = value;
        _full = true;
        return replaced ? MailboxOffer.StoredWithDrop : MailboxOffer.Stored;
    }

    public bool TryTake(out T value)
    {
        value = _value!;   // Only read by the caller when true is returned, and then the slot was full.
        if (!_full)
        {
            return false;
        }

        _value = default;
        _full = false;
        return true;
    }
}
