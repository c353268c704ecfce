using System.Threading.Channels;

namespace RxSockets.Transport;

/// <summary>The rarer operations of a <see cref="BoundedQueue{T}"/>: a lossy policy's eviction, and the waits of a
/// writer for room or for the reader (to take the next item, or to have taken them all).</summary>
internal partial class BoundedQueue<T>
{
    /// <summary>Removes the oldest item that matches <paramref name="match"/> (a lossy policy evicting it), keeping
    /// the order of the others.</summary>
    public bool TryRemoveOldest(Func<T, bool> match, out T item)
    {
        List<TaskCompletionSource>? writers;
        _gate.Enter();
        try
        {
            var found = -1;
            for (var i = 0; i < _count && found < 0; i++)
            {
                found = match(_items![(_head + i) % _items.Length]) ? i : -1;
            }

            if (found < 0)
            {
                item = default!;
                return false;
            }

            item = _items![(_head + found) % _items.Length];
            for (var i = found; i < _count - 1; i++)
            {
                _items[(_head + i) % _items.Length] = _items[(_head + i + 1) % _items.Length];
            }

            _items[(_head + _count - 1) % _items.Length] = default!;
            _count--;
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

    /// <summary>Completes when <paramref name="item"/> may fit: at once when it fits now, else when the reader takes
    /// an item or one is removed. Another writer may take the room first: the caller tries to write again, and waits
    /// again if it must (as <see cref="WriteAsync"/> does; for a writer that does something of its own around each
    /// try).</summary>
    /// <exception cref="ChannelClosedException">The queue was completed.</exception>
    public Task WaitForRoomAsync(T item, CancellationToken cancellationToken) => WaitAsBlockedWriter(item, untilEmpty: false, cancellationToken);

    /// <summary>Completes when the reader next takes an item (at once when the queue is empty): a writer waiting for
    /// the queue to shrink below a limit of its own, lower than the capacity.</summary>
    /// <exception cref="ChannelClosedException">The queue was completed.</exception>
    public Task WaitForReadAsync(CancellationToken cancellationToken) => WaitAsBlockedWriter(default!, untilEmpty: true, cancellationToken);

    /// <summary>The wait of <see cref="WaitForRoomAsync"/> and <see cref="WaitForReadAsync"/>: at once when the queue is
    /// empty (<paramref name="untilEmpty"/>) or has room for <paramref name="item"/>, else until the reader takes an
    /// item or one is removed (the blocked writers are released then).</summary>
    private Task WaitAsBlockedWriter(T item, bool untilEmpty, CancellationToken cancellationToken)
    {
        TaskCompletionSource released;
        _gate.Enter();
        try
        {
            if (_completed)
            {
                return Task.FromException(new ChannelClosedException());
            }

            if (untilEmpty ? _count == 0 : !IsFull(item))
            {
                return Task.CompletedTask;
            }

            released = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            (GetExtras().BlockedWriters ??= []).Add(released);
        }
        finally
        {
            _gate.Exit();
        }

        return released.Task.WaitAsync(cancellationToken);
    }

    /// <summary>Completes once the reader has taken every queued item and come back to wait for more, so whatever it
    /// did with them (answering them, say) is done; at once when it is there already, or when nothing was ever queued.
    /// The caller bounds the wait: a reader that stopped reading never comes back.</summary>
    public Task WaitForReaderIdleAsync()
    {
        _gate.Enter();
        try
        {
            if (_completed || (_count == 0 && !_readerBusy))
            {
                return Task.CompletedTask;
            }

            return (GetExtras().ReaderIdle ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;
        }
        finally
        {
            _gate.Exit();
        }
    }
}
