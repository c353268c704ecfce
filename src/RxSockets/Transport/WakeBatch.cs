namespace RxSockets.Transport;

/// <summary>
/// Wakes the writers of a fan-out together: a publication queued on hundreds of connections costs no hop per
/// connection, and the publications of one run (a burst from the backplane) are queued behind each other before any
/// writer runs, so each connection writes them in one pass. Once the backplane says when its runs end
/// (<see cref="Flush"/>, from <see cref="Scaling.IBackplaneHandler.OnPublicationsDrained"/>), the writers run then, on
/// that thread; until it does, one thread-pool item per batch runs them. Thread-safe.
/// </summary>
internal sealed class WakeBatch : IThreadPoolWorkItem
{
    private readonly Lock _gate = new();
    private List<ConnectionDriver> _claimed = [];
    private List<ConnectionDriver>? _spare = [];
    private bool _scheduled;
    private volatile bool _flushedByRuns;

    /// <summary>Keeps a writer a deferred enqueue claimed; it runs at the next <see cref="Flush"/> (or on the thread
    /// pool, for a backplane that never flushes).</summary>
    public void Add(ConnectionDriver driver)
    {
        lock (_gate)
        {
            _claimed.Add(driver);
            if (_scheduled || _flushedByRuns)
            {
                return;
            }

            _scheduled = true;
        }

        ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
    }

    /// <summary>Runs every claimed writer on this thread (up to each one's first asynchronous wait); from now on only
    /// flushes run them.</summary>
    public void Flush()
    {
        _flushedByRuns = true;
        RunClaimed();
    }

    void IThreadPoolWorkItem.Execute() => RunClaimed();

    /// <summary>Runs every claimed writer on this thread now: before a fan-out waits for room in a member's queue,
    /// whose writer may be among them.</summary>
    public void RunClaimed()
    {
        List<ConnectionDriver> claimed;
        lock (_gate)
        {
            _scheduled = false;
            if (_claimed.Count == 0)
            {
                return;
            }

            claimed = _claimed;
            _claimed = _spare ?? [];
            _spare = null;
        }

        foreach (var driver in claimed)
        {
            driver.RunClaimedWriter();
        }

        claimed.Clear();
        lock (_gate)
        {
            _spare ??= claimed;
        }
    }
}
