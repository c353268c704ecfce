namespace RxSockets.Reactive;

/// <summary>The newest value of every key, delivered oldest-waiting key first (latest-per-key conflation). A value
/// whose key is already waiting replaces it in place, so a busy key cannot starve the others.</summary>
internal sealed class KeyedMailboxBuffer<T, TKey>(Func<T, TKey> keySelector, IEqualityComparer<TKey>? comparer) : IMailboxBuffer<T>
    where TKey : notnull
{
    private readonly OrderedDictionary<TKey, T> _waiting = new(comparer);

    public MailboxOffer Offer(T value)
    {
        var key = keySelector(value);
        if (_waiting.TryAdd(key, value))
        {
            return MailboxOffer.Stored;
        }

        _waiting[key] = value;
        return MailboxOffer.StoredWithDrop;
    }

    public bool TryTake(out T value)
    {
        if (_waiting.Count == 0)
        {
            value = default!;   // Not read by the caller when false is returned.
            return false;
        }

        value = _waiting.GetAt(0).Value;
        _waiting.RemoveAt(0);
        return true;
    }
}
