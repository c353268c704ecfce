using System.Diagnostics.CodeAnalysis;
using RxSockets.Protocol;

namespace RxSockets.Transport;

/// <summary>
/// The outbound side of a <see cref="Session"/>: the bounded data queue, the control-frame lane, the count of bytes
/// waiting, and the signal that wakes the write loop, with the batching rule: while the read loop delivers a batch of
/// messages, what its consumers send wakes the write loop once, at the end of the batch, so the replies to a whole
/// socket read leave in one write.
/// </summary>
/// <remarks>Thread-safe for any number of senders; one write loop takes from it.</remarks>
internal sealed class SendQueue(int capacity)
{
    private readonly BoundedQueue<Outbound> _data = new(capacity, inline: false);
    private ControlLane? _control;   // made on the first control frame
    private readonly AsyncSignal _signal = new();
    private long _bufferedAmount;
    private long _dropped;
    private int _batchThread;
    private bool _wakePending;

    /// <summary>Bytes of data messages queued and not yet written.</summary>
    public long BufferedAmount => Interlocked.Read(ref _bufferedAmount);

    /// <summary>Data messages dropped by a lossy policy.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>Data messages in the queue now.</summary>
    public int Count => _data.Count;

    /// <summary>True when no data message waits (the close frame may go).</summary>
    public bool IsDrained => _data.IsDrained;

    /// <summary>True while the read loop is delivering a batch.</summary>
    public bool InBatch => Volatile.Read(ref _batchThread) != 0;

    /// <summary>Queues without waiting; false when the queue is full or completed.</summary>
    public bool TryEnqueue(Outbound item)
    {
        if (!_data.TryWrite(item))
        {
            return false;
        }

        Interlocked.Add(ref _bufferedAmount, item.Length);
        Wake();
        return true;
    }

    /// <summary>Queues, waiting while the queue is full (backpressure).</summary>
    /// <exception cref="System.Threading.Channels.ChannelClosedException">The queue was completed.</exception>
    public async ValueTask EnqueueAsync(Outbound item, CancellationToken cancellationToken)
    {
        await _data.WriteAsync(item, cancellationToken).ConfigureAwait(false);
        Interlocked.Add(ref _bufferedAmount, item.Length);
        _signal.Set();
    }

    public void EnqueueControl(Opcode opcode, byte[] payload)
    {
        var control = Volatile.Read(ref _control);
        if (control is null)
        {
            var created = new ControlLane();
            control = Interlocked.CompareExchange(ref _control, created, null) ?? created;
        }

        control.Enqueue(opcode, payload);
        Wake();
    }

    public bool TryDequeueControl(out (Opcode Opcode, byte[] Payload) frame)
    {
        if (Volatile.Read(ref _control) is { } control)
        {
            return control.TryDequeue(out frame);
        }

        frame = default;
        return false;
    }

    /// <summary>Takes the next data message for the write loop.</summary>
    public bool TryDequeue(out Outbound item)
    {
        if (!_data.TryRead(out item))
        {
            return false;
        }

        Interlocked.Add(ref _bufferedAmount, -item.Length);
        return true;
    }

    /// <summary>Evicts the oldest queued broadcast frame (a lossy broadcast policy), counting it as dropped.</summary>
    public bool TryDropOldestPrepared([NotNullWhen(true)] out PreparedFrame? dropped)
    {
        if (!_data.TryRemoveOldest(static item => item.Prepared is not null, out var item))
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

    /// <summary>Completes when the write loop next takes a message.</summary>
    public Task WaitForDequeueAsync(CancellationToken cancellationToken) => _data.WaitForReadAsync(cancellationToken);

    /// <summary>Refuses data from now on (closing): nothing queued later would be written.</summary>
    public void Complete() => _data.TryComplete();

    /// <summary>Wakes the write loop now, whatever the batch (closing, stopping).</summary>
    public void WakeNow() => _signal.Set();

    /// <summary>The write loop's wait for work.</summary>
    public ValueTask WaitAsync() => _signal.WaitAsync();

    /// <summary>Marks this thread as the read loop delivering a batch: what its consumers send waits for
    /// <see cref="EndBatch"/>.</summary>
    public void BeginBatch() => Volatile.Write(ref _batchThread, Environment.CurrentManagedThreadId);

    /// <summary>Ends the batch; with <paramref name="wake"/> the write loop is woken at once (on the thread pool) for
    /// what the batch queued, otherwise the wake-up stays pending for <see cref="WakeAfterBatch"/>.</summary>
    public void EndBatch(bool wake)
    {
        Volatile.Write(ref _batchThread, 0);
        if (wake)
        {
            WakeAfterBatch(inline: false);
        }
    }

    /// <summary>Wakes the write loop once for everything the last batch queued. Inline, the idle write loop runs on
    /// this thread up to its next asynchronous wait: one coalesced write and no thread hop. The read loop asks for
    /// that after every batch, once its next socket read has been started (so a reply never waits for the next
    /// read's data); the other callers (a slow consumer, the end of reading) wake it on the thread pool.</summary>
    public void WakeAfterBatch(bool inline)
    {
        if (_wakePending)
        {
            _wakePending = false;
            _signal.Set(inline);
        }
    }

    /// <summary>Tells the write loop there is work; from inside a batch, at the batch's end.</summary>
    private void Wake()
    {
        if (Volatile.Read(ref _batchThread) == Environment.CurrentManagedThreadId)
        {
            _wakePending = true;
            return;
        }

        _signal.Set();
    }
}
