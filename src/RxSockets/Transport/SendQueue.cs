using System.Diagnostics.CodeAnalysis;
using RxSockets.Protocol;
using RxSockets.Protocol.Frames;

namespace RxSockets.Transport;

/// <summary>
/// The queue under a connection's <see cref="Outbox"/> (which is this queue, a subclass): the bounded data queue, the
/// control-frame lane, the count of bytes waiting, and when the writer runs, with the batching rule: while the read loop
/// delivers a batch of messages, what its consumers send wakes the writer once, at the end of the batch, so the replies
/// to a whole socket read leave in one write.
/// </summary>
/// <remarks>
/// <para>The writer is not a loop parked on every connection: it runs on demand (<see cref="WritePassAsync"/>, which
/// the <see cref="Outbox"/> implements: no call back into the driver), one pass at a time, on the thread that woke it
/// (inline) or on the thread pool, and goes idle when the queue is empty, so an idle connection holds no write state
/// machine and no signal.</para>
/// <para>Thread-safe for any number of senders; one writer pass at a time takes from it.</para>
/// </remarks>
internal abstract class SendQueue : IThreadPoolWorkItem
{
    private const int Idle = 0;
    private const int Running = 1;
    private const int RunAgain = 2;
    private const int Finished = 3;

    // A queue closed before its first message (see Complete): refuses everything, holds nothing, shared.
    private static readonly BoundedQueue<Outbound> s_closed = Closed();

    // Bounded by messages and by bytes: an empty queue still takes one message larger than the byte budget. Made by
    // the first message (or s_closed by Complete): a connection that never sends holds no queue (152 B).
    private BoundedQueue<Outbound>? _data;
    private ControlLane? _control;   // made on the first control frame
    private int _writerState;
    private AsyncSignal? _finished;   // made by the first wait for the writer to finish
    private long _bufferedAmount;
    private long _dropped;
    private int _batchThread;
    private bool _wakePending;
    private volatile bool _aborted;
    private volatile bool _pongPaused;

    /// <summary>The most data messages queued; senders wait (or fail to try) beyond it. Read once, when the first
    /// message makes the queue: the owner keeps the figure (its settings), not every queue.</summary>
    protected abstract int Capacity { get; }

    /// <summary>The most payload bytes queued (an empty queue still takes one larger message); read as
    /// <see cref="Capacity"/> is.</summary>
    protected abstract long MaxBytes { get; }

    /// <summary>True once the connection was aborted (see <see cref="Outbox.Abort"/>): nothing more is written or read.
    /// (The flags live here rather than in the <see cref="Outbox"/>: they fit this object's padding.)</summary>
    public bool IsAborted
    {
        get => _aborted;
        protected set => _aborted = value;
    }

    /// <summary>True while the read loop holds back because too many pongs wait for the writer (see
    /// <see cref="Outbox.WaitForPongsTakenAsync"/>).</summary>
    public bool IsPongPaused
    {
        get => _pongPaused;
        protected set => _pongPaused = value;
    }

    /// <summary>Bytes of data messages queued and not yet written.</summary>
    public long BufferedAmount => Interlocked.Read(ref _bufferedAmount);

    /// <summary>Data messages dropped by a lossy policy.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>Data messages in the queue now.</summary>
    public int Count => Volatile.Read(ref _data)?.Count ?? 0;

    /// <summary>True when no data message waits (the close frame may go).</summary>
    public bool IsDrained => Volatile.Read(ref _data)?.IsDrained ?? false;

    /// <summary>True while the read loop is delivering a batch.</summary>
    public bool InBatch => Volatile.Read(ref _batchThread) != 0;

    /// <summary>Queues without waiting; false when the queue is full or completed.</summary>
    public bool TryEnqueue(Outbound item)
    {
        if (!Data.TryWrite(item))
        {
            return false;
        }

        Interlocked.Add(ref _bufferedAmount, item.Length);
        Wake();
        return true;
    }

    /// <summary>Queues without waking the writer, for a fan-out that wakes its recipients together afterwards
    /// (<see cref="WakeBatch"/>): false when the queue is full or completed. <paramref name="claimed"/> is true when the
    /// writer was idle and this caller took it: it must then call <see cref="RunClaimed"/> (a running writer picks the
    /// item up by itself).</summary>
    public bool TryEnqueueDeferred(Outbound item, out bool claimed)
    {
        claimed = false;
        if (!Data.TryWrite(item))
        {
            return false;
        }

        Interlocked.Add(ref _bufferedAmount, item.Length);
        if (Volatile.Read(ref _batchThread) == Environment.CurrentManagedThreadId)
        {
            _wakePending = true;
            return true;
        }

        while (true)
        {
            switch (Volatile.Read(ref _writerState))
            {
                case Idle when Interlocked.CompareExchange(ref _writerState, Running, Idle) == Idle:
                    claimed = true;
                    return true;
                case Running when Interlocked.CompareExchange(ref _writerState, RunAgain, Running) == Running:
                case RunAgain:
                case Finished:
                    return true;
            }
        }
    }

    /// <summary>Runs the writer pass a <see cref="TryEnqueueDeferred"/> claimed, on this thread up to its first
    /// asynchronous wait.</summary>
    public void RunClaimed() => StartPass();

    /// <summary>Queues, waiting while the queue is full (backpressure).</summary>
    /// <exception cref="System.Threading.Channels.ChannelClosedException">The queue was completed.</exception>
    public async ValueTask EnqueueAsync(Outbound item, CancellationToken cancellationToken)
    {
        await Data.WriteAsync(item, cancellationToken).ConfigureAwait(false);
        Interlocked.Add(ref _bufferedAmount, item.Length);
        RunWriter(inline: false);
    }

    public void EnqueueControl(Opcode opcode, byte[] payload)
    {
        LazyInitializer.EnsureInitialized(ref _control).Enqueue(opcode, payload);
        Wake();
    }

    /// <summary>Pongs queued and not yet taken by the writer.</summary>
    public int PendingPongs => Volatile.Read(ref _control)?.PendingPongs ?? 0;

    /// <summary>Payload bytes of the pongs queued and not yet taken by the writer.</summary>
    public int PendingPongBytes => Volatile.Read(ref _control)?.PendingPongBytes ?? 0;

    /// <summary>Completes when fewer than <paramref name="bound"/> pongs are queued (see <see cref="ControlLane.WaitForPongRoomAsync"/>).</summary>
    public Task WaitForPongRoomAsync(int bound) => Volatile.Read(ref _control)?.WaitForPongRoomAsync(bound) ?? Task.CompletedTask;

    public bool TryDequeueControl(out (Opcode Opcode, byte[] Payload) frame)
    {
        if (Volatile.Read(ref _control) is { } control)
        {
            return control.TryDequeue(out frame);
        }

        frame = default;
        return false;
    }

    /// <summary>Takes the next data message for the writer.</summary>
    public bool TryDequeue(out Outbound item)
    {
        if (Volatile.Read(ref _data) is not { } data || !data.TryRead(out item))
        {
            item = default;
            return false;
        }

        Interlocked.Add(ref _bufferedAmount, -item.Length);
        return true;
    }

    /// <summary>Evicts the oldest queued broadcast frame (a lossy broadcast policy), counting it as dropped.</summary>
    public bool TryDropOldestPrepared([NotNullWhen(true)] out PreparedFrame? dropped)
    {
        if (Volatile.Read(ref _data) is not { } data || !data.TryRemoveOldest(static item => item.Prepared is not null, out var item))
        {
            dropped = null;
            return false;
        }

        Interlocked.Add(ref _bufferedAmount, -item.Length);
        CountDropped();
        dropped = item.Prepared!;   // only prepared items match
        return true;
    }

    public void CountDropped() => Interlocked.Increment(ref _dropped);

    /// <summary>Completes when the writer next takes a message.</summary>
    public Task WaitForDequeueAsync(CancellationToken cancellationToken) => Data.WaitForReadAsync(cancellationToken);

    /// <summary>Refuses data from now on (closing): nothing queued later would be written.</summary>
    public void Complete()
    {
        if (Interlocked.CompareExchange(ref _data, s_closed, null) is { } data)
        {
            data.TryComplete();
        }
    }

    /// <summary>The data queue, made now if this is the first message.</summary>
    private BoundedQueue<Outbound> Data => Volatile.Read(ref _data) ?? CreateData();

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private BoundedQueue<Outbound> CreateData()
    {
        // Whoever loses the race (another first message, or Complete) uses the winner's.
        var created = NewData(Capacity, MaxBytes);
        return Interlocked.CompareExchange(ref _data, created, null) ?? created;
    }

    private static BoundedQueue<Outbound> NewData(int capacity, long maxBytes) =>
        new(capacity, maxBytes, static item => item.Length, inline: false);

    private static BoundedQueue<Outbound> Closed()
    {
        var closed = NewData(1, 1);
        closed.TryComplete();
        return closed;
    }

    /// <summary>Wakes the writer now, whatever the batch (closing, stopping).</summary>
    public void WakeNow() => RunWriter(inline: false);

    /// <summary>Called by a writer pass that found nothing to write: true when it may end (the writer is idle now);
    /// false when it was woken meanwhile and must look again.</summary>
    public bool TryGoIdle()
    {
        if (Interlocked.CompareExchange(ref _writerState, Idle, Running) == Running)
        {
            return true;
        }

        Volatile.Write(ref _writerState, Running);   // RunAgain: the wake-up is taken by the pass going on
        return false;
    }

    /// <summary>The writer is done for good (close frame sent, or the connection failed): no pass runs again.</summary>
    public void WriterFinished()
    {
        Interlocked.Exchange(ref _writerState, Finished);
        Volatile.Read(ref _finished)?.Set();
    }

    /// <summary>Completes once <see cref="WriterFinished"/> was called.</summary>
    public ValueTask WaitForWriterAsync()
    {
        if (Volatile.Read(ref _writerState) == Finished)
        {
            return default;
        }

        var finished = LazyInitializer.EnsureInitialized(ref _finished);

        // A finish before the signal existed is seen here; one after it sets the signal, which remembers it.
        return Volatile.Read(ref _writerState) == Finished ? default : finished.WaitAsync();
    }

    /// <summary>Marks this thread as the read loop delivering a batch: what its consumers send waits for
    /// <see cref="EndBatch"/>.</summary>
    public void BeginBatch() => Volatile.Write(ref _batchThread, Environment.CurrentManagedThreadId);

    /// <summary>Ends the batch; with <paramref name="wake"/> the writer is woken at once (on the thread pool) for
    /// what the batch queued, otherwise the wake-up stays pending for <see cref="WakeAfterBatch"/>.</summary>
    public void EndBatch(bool wake)
    {
        Volatile.Write(ref _batchThread, 0);
        if (wake)
        {
            WakeAfterBatch(inline: false);
        }
    }

    /// <summary>Wakes the writer once for everything the last batch queued. Inline, an idle writer runs on this thread up
    /// to its next asynchronous wait: one coalesced write and no thread hop. The read loop asks for
    /// that after every batch, once its next socket read has been started (so a reply never waits for the next
    /// read's data); the other callers (a slow consumer, the end of reading) wake it on the thread pool.</summary>
    public void WakeAfterBatch(bool inline)
    {
        if (_wakePending)
        {
            _wakePending = false;
            RunWriter(inline);
        }
    }

    /// <summary>Tells the writer there is work; from inside a batch, at the batch's end.</summary>
    private void Wake()
    {
        if (Volatile.Read(ref _batchThread) == Environment.CurrentManagedThreadId)
        {
            _wakePending = true;
            return;
        }

        RunWriter(inline: false);
    }

    /// <summary>Starts a writer pass unless one is running (which then looks again before going idle).</summary>
    private void RunWriter(bool inline)
    {
        while (true)
        {
            switch (Volatile.Read(ref _writerState))
            {
                case Idle when Interlocked.CompareExchange(ref _writerState, Running, Idle) == Idle:
                    if (inline)
                    {
                        StartPass();
                    }
                    else
                    {
                        ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
                    }

                    return;
                case Running when Interlocked.CompareExchange(ref _writerState, RunAgain, Running) == Running:
                case RunAgain:
                case Finished:
                    return;
            }
        }
    }

    /// <summary>One writer pass: writes and flushes until the queue is empty (then <see cref="TryGoIdle"/>) or writing
    /// is over for good (then <see cref="WriterFinished"/>). Never faults: a failure ends the connection instead.</summary>
    protected abstract Task WritePassAsync();

    void IThreadPoolWorkItem.Execute() => StartPass();

    // The pass never faults, and its end is what WaitForWriterAsync waits for: nothing to observe here.
    private void StartPass() => _ = WritePassAsync();
}
