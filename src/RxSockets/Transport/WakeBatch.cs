namespace RxSockets.Transport;

/// <summary>
/// Wakes the writers of a fan-out together, once, on one thread-pool item: a publication queued on hundreds of
/// connections costs one hop, not one per connection, and publications that arrive before that item runs (a burst from
/// the backplane) are queued behind the first, so each connection writes them in one pass. Thread-safe.
/// </summary>
internal sealed class WakeBatch : IThreadPoolWorkItem
{
    private readonly Lock _gate = new();
    private List<Session> _claimed = [];
    private List<Session>? _spare = [];
    private bool _scheduled;

    /// <summary>Keeps a writer a deferred enqueue claimed, and schedules the wake-up if none is pending.</summary>
    public void Add(Session session)
    {
        lock (_gate)
        {
            _claimed.Add(session);
            if (_scheduled)
            {
                return;
            }

            _scheduled = true;
        }

        ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
    }

    void IThreadPoolWorkItem.Execute()
    {
        List<Session> claimed;
        lock (_gate)
        {
            claimed = _claimed;
            _claimed = _spare ?? [];
            _spare = null;
            _scheduled = false;
        }

        foreach (var session in claimed)
        {
            session.RunClaimedWriter();
        }

        claimed.Clear();
        lock (_gate)
        {
            _spare ??= claimed;
        }
    }
}
