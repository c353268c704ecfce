using System.Runtime.ExceptionServices;
using System.Threading.Channels;
using System.Threading.Tasks.Sources;

namespace RxSockets.Transport;

/// <summary>
/// A bounded FIFO queue with one reader, which is its own <see cref="ChannelReader{T}"/>: a connection's inbound and
/// outbound queues. It does what the session needs from a bounded channel at a fraction of an idle channel's memory:
/// one object and a ring that grows with use up to the capacity, where a bounded channel holds a reader, a writer, a
/// deque and pooled waiter objects from the start. A waiting reader is completed on the writer's thread when
/// <c>inline</c> (the read loop then delivers without a thread hop) or on the thread pool otherwise.
/// </summary>
/// <remarks>Thread-safe: any number of writers, one reader at a time. Writers that find the queue full wait (rare,
/// so their waits allocate); the reader's wait does not. The queue locks itself (it is internal: nobody else can lock
/// it), which saves a lock object per queue, two per connection. Its bounds are shared with the queues that have the
/// same (<see cref="QueueLimits{T}"/>), and what only some queues use is in a side object made on first use
/// (BoundedQueue.Extras.cs).</remarks>
internal partial class BoundedQueue<T> : ChannelReader<T>, IValueTaskSource<bool>
{
    private const int InitialSize = 4;

    // Taken four times per message on the echo path: a spin gate, not a monitor (see SpinGate). No section calls out.
    private SpinGate _gate;

    private readonly QueueLimits<T> _limits;   // shared with the queues made with the same bounds
    private ManualResetValueTaskSourceCore<bool> _reader;
    private T[]? _items;
    private int _head;
    private int _count;
    private long _bytes;
    private bool _completed;
    private ReaderState _readerState;
    private bool _readerBusy;   // the reader took an item and has not yet come back for the next

    /// <param name="capacity">The most items held; writers wait (or fail to try) beyond it.</param>
    /// <param name="inline">Whether a waiting reader's continuation runs on the writer's thread.</param>
    public BoundedQueue(int capacity, bool inline)
        : this(capacity, long.MaxValue, null, inline)
    {
    }

    /// <param name="capacity">The most items held; writers wait (or fail to try) beyond it.</param>
    /// <param name="maxBytes">The most bytes held, as <paramref name="size"/> counts them: an item that would take the
    /// queue beyond it waits (or fails to try) like one beyond the capacity, except that an empty queue takes any
    /// item, however large, which could never pass otherwise.</param>
    /// <param name="size">The bytes an item holds.</param>
    /// <param name="inline">Whether a waiting reader's continuation runs on the writer's thread.</param>
    public BoundedQueue(int capacity, long maxBytes, Func<T, int>? size, bool inline)
    {
        _limits = QueueLimits<T>.Of(capacity, maxBytes, size);
        _reader.RunContinuationsAsynchronously = !inline;
    }

    /// <summary>The bytes the queued items hold (0 without a size function).</summary>
    public long Bytes
    {
        get
        {
            _gate.Enter();
            try
            {
                return _bytes;
            }
            finally
            {
                _gate.Exit();
            }
        }
    }

    /// <summary>True once completed and emptied: nothing more will ever be read.</summary>
    public bool IsDrained
    {
        get
        {
            _gate.Enter();
            try
            {
                return _completed && _count == 0;
            }
            finally
            {
                _gate.Exit();
            }
        }
    }

    public sealed override bool CanCount => true;

    public sealed override int Count
    {
        get
        {
            _gate.Enter();
            try
            {
                return _count;
            }
            finally
            {
                _gate.Exit();
            }
        }
    }

    /// <summary>Adds an item unless the queue is full or completed, waking a waiting reader.</summary>
    public bool TryWrite(T item) => TryWrite(item, deferWake: false);

    /// <summary>Adds an item unless the queue is full or completed. With <paramref name="deferWake"/> a waiting reader
    /// is not woken yet: <see cref="ReleaseDeferredWake"/> wakes it once for everything added meanwhile, so a reader
    /// that runs on the writer's thread drains a whole batch per wake-up instead of resuming once per item.</summary>
    public bool TryWrite(T item, bool deferWake)
    {
        CancellationTokenRegistration cancellation;
        _gate.Enter();
        try
        {
            if (_completed || IsFull(item))
            {
                return false;
            }

            Enqueue(item);
            if (_readerState == ReaderState.NotWaiting)
            {
                return true;
            }

            if (deferWake)
            {
                _readerState = ReaderState.WakeDeferred;
                return true;
            }

            _readerState = ReaderState.NotWaiting;
            cancellation = TakeReaderCancellation();
        }
        finally
        {
            _gate.Exit();
        }

        cancellation.Unregister();
        _reader.SetResult(true);
        return true;
    }

    /// <summary>Wakes the reader for the items added with a deferred wake-up, if it is still waiting. Inline, the reader
    /// runs on this thread up to its next wait before this returns.</summary>
    public void ReleaseDeferredWake()
    {
        CancellationTokenRegistration cancellation;
        _gate.Enter();
        try
        {
            if (_readerState != ReaderState.WakeDeferred)
            {
                return;
            }

            _readerState = ReaderState.NotWaiting;
            cancellation = TakeReaderCancellation();
        }
        finally
        {
            _gate.Exit();
        }

        cancellation.Unregister();
        _reader.SetResult(true);
    }

    /// <summary>Adds an item, waiting while the queue is full.</summary>
    /// <exception cref="ChannelClosedException">The queue was completed.</exception>
    public async ValueTask WriteAsync(T item, CancellationToken cancellationToken)
    {
        while (!TryWrite(item))
        {
            await WaitForRoomAsync(item, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Refuses further items; the reader still gets those queued, then learns the end.</summary>
    public bool TryComplete()
    {
        List<TaskCompletionSource>? writers;
        var wakeReader = false;
        var itemsLeft = false;
        CancellationTokenRegistration cancellation = default;
        TaskCompletionSource? idle;
        _gate.Enter();
        try
        {
            if (_completed)
            {
                return false;
            }

            _completed = true;
            writers = TakeBlockedWriters();
            idle = TakeReaderIdle();
            if (_readerState != ReaderState.NotWaiting)
            {
                _readerState = ReaderState.NotWaiting;
                wakeReader = true;
                itemsLeft = _count > 0;
                cancellation = TakeReaderCancellation();
            }
        }
        finally
        {
            _gate.Exit();
        }

        if (writers is not null)
        {
            foreach (var writer in writers)
            {
                writer.TrySetException(new ChannelClosedException());
            }
        }

        idle?.TrySetResult();

        if (wakeReader)
        {
            cancellation.Unregister();

            // A waiting reader gets the items whose wake-up was deferred, then the end; with none left it is the end.
            _reader.SetResult(itemsLeft);
        }

        return true;
    }

    public sealed override bool TryRead(out T item)
    {
        List<TaskCompletionSource>? writers;
        _gate.Enter();
        try
        {
            if (_count == 0)
            {
                item = default!;
                return false;
            }

            item = _items![_head];
            _items[_head] = default!;
            _head = (_head + 1) % _items.Length;
            _count--;
            _readerBusy = true;
            _bytes -= SizeOf(item);
            writers = TakeBlockedWriters();
        }
        finally
        {
            _gate.Exit();
        }

        ReleaseWriters(writers);
        return true;
    }

    private void Enqueue(T item)
    {
        if (_items is null)
        {
            _items = new T[Math.Min(InitialSize, _limits.Capacity)];
        }
        else if (_count == _items.Length)
        {
            // Grow in order: the ring is full, so its oldest item is at _head.
            var grown = new T[Math.Min(_items.Length * 2, _limits.Capacity)];
            for (var i = 0; i < _count; i++)
            {
                grown[i] = _items[(_head + i) % _items.Length];
            }

            _items = grown;
            _head = 0;
        }

        _items[(_head + _count) % _items.Length] = item;
        _count++;
        _bytes += SizeOf(item);
    }

    /// <summary>Whether <paramref name="item"/> must wait (under the lock): the queue holds its capacity in items, or
    /// holds something and the item would take it over its bytes.</summary>
    private bool IsFull(T item) => _count == _limits.Capacity || (_count > 0 && _bytes + SizeOf(item) > _limits.MaxBytes);

    private long SizeOf(T item) => _limits.Size is { } size ? size(item) : 0;

    /// <summary>Every waiting writer retries; those that lose the race for the free slot wait again. (No `?? []` at
    /// the callers: that would allocate an empty list per item read.)</summary>
    private static void ReleaseWriters(List<TaskCompletionSource>? writers)
    {
        if (writers is not null)
        {
            foreach (var writer in writers)
            {
                writer.TrySetResult();
            }
        }
    }

    /// <summary>Where the reader is (under the gate). A deferred wake-up exists only while the reader waits (a write to
    /// a queue whose reader is not waiting wakes nobody), so the two are one state, not two flags kept in step (one
    /// byte: it keeps the queue's fields within 96 B, and the inbox's within the next 8 B step).</summary>
    private enum ReaderState : byte
    {
        /// <summary>Not waiting: it will look at the queue before it waits again (or it never read).</summary>
        NotWaiting,

        /// <summary>Waiting for an item (<see cref="BeginWait"/>), with nothing added since.</summary>
        Waiting,

        /// <summary>Waiting, with items added whose wake-up was deferred (<see cref="ReleaseDeferredWake"/> wakes it).</summary>
        WakeDeferred,
    }
}
