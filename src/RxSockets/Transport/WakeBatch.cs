namespace RxSockets.Transport;

/// <summary>
/// Wakes the writers of a fan-out together: a publication queued on hundreds of connections costs no hop per
/// connection, and the publications of one run (a burst from the backplane) are queued behind each other before any
/// writer runs, so each connection writes them in one pass. Once the backplane says when its runs end
/// (<see cref="Flush"/>, from <see cref="Scaling.IBackplaneHandler.OnPublicationsDrained"/>), the writers run then, on
/// that thread; until it does, one thread-pool item per batch runs them. Thread-safe.
/// </summary>
internal sealed class WakeBatch(bool deferToReadBatch = false) : IThreadPoolWorkItem
{
    // The writers claimed by broadcasts made on this thread while a read loop handles a read (EnterReadBatch), run
    // when it is handled: a publisher's run of messages becomes one write per recipient, without a thread-pool hop.
    [ThreadStatic]
    private static int t_readBatchDepth;
    [ThreadStatic]
    private static List<ConnectionDriver>? t_deferred;
    [ThreadStatic]
    private static List<ConnectionDriver>? t_spare;

    private readonly Lock _gate = new();
    private List<ConnectionDriver> _claimed = [];

    // Lists whose run is over, kept with their capacity: runs may overlap (a thread-pool item runs while the next
    // burst schedules another), and a list made per overlap was the fan-out's last allocation.
    private readonly Stack<List<ConnectionDriver>> _spares = new();
    private bool _scheduled;
    private volatile bool _flushedByRuns;

    /// <summary>Keeps a writer a deferred enqueue claimed; it runs at the next <see cref="Flush"/> (or on the thread
    /// pool, for a backplane that never flushes).</summary>
    public void Add(ConnectionDriver driver)
    {
        if (deferToReadBatch && t_readBatchDepth > 0)
        {
            (t_deferred ??= []).Add(driver);
            return;
        }

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

    /// <summary>A read loop starts handling a read on this thread: the writers its broadcasts claim (in a batch made
    /// with <c>deferToReadBatch</c>) wait for <see cref="ExitReadBatch"/>.</summary>
    public static void EnterReadBatch() => t_readBatchDepth++;

    /// <summary>The read's handling returned to its loop (finished, or waiting, perhaps for one of these writers):
    /// runs the writers claimed meanwhile on this thread, each up to its first asynchronous wait.</summary>
    public static void ExitReadBatch()
    {
        if (--t_readBatchDepth > 0 || t_deferred is not { Count: > 0 } deferred)
        {
            return;
        }

        // A writer run here cannot claim more (writers do not broadcast), but keep the list apart while it runs.
        t_deferred = t_spare;
        t_spare = null;
        foreach (var driver in deferred)
        {
            driver.Outbox.RunClaimed();
        }

        deferred.Clear();
        t_spare = deferred;
    }

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
            _claimed = _spares.TryPop(out var spare) ? spare : [];
        }

        foreach (var driver in claimed)
        {
            driver.Outbox.RunClaimed();
        }

        claimed.Clear();
        lock (_gate)
        {
            _spares.Push(claimed);
        }
    }
}
