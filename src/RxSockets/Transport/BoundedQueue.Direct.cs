namespace RxSockets.Transport;

/// <summary>A reader that takes an item straight from the writer's hand when nothing is queued before it (see
/// <see cref="BoundedQueue{T}.TryWriteOrHandle"/>).</summary>
internal interface IDirectReader<in T>
{
    /// <summary>Handles <paramref name="item"/> on the writer's thread.</summary>
    /// <param name="item">The item, which is not queued.</param>
    /// <param name="pending">When the handling goes on after the call: the writer waits for it (backpressure).</param>
    /// <returns>False when the reader has stopped: the writer queues the item instead.</returns>
    bool TryHandle(T item, out ValueTask pending);
}

/// <summary>What <see cref="BoundedQueue{T}.TryWriteOrHandle"/> did with an item.</summary>
internal enum DirectWrite
{
    /// <summary>Queued for the reader.</summary>
    Queued,

    /// <summary>Handed to the direct reader on the writer's thread.</summary>
    Handled,

    /// <summary>Neither: the queue is full or completed.</summary>
    Refused,
}

/// <summary>The direct hand-over of a <see cref="BoundedQueue{T}"/>: a reader that handles items synchronously (a
/// connection's message handler) gets an item from the writer itself, with no queueing and no wake-up, whenever the
/// queue is empty and the reader waits, which is when every item before it has been handled; otherwise the item is
/// queued and the reader takes it in order.</summary>
internal partial class BoundedQueue<T>
{
    private IDirectReader<T>? _direct;

    /// <summary>Attaches (or, with null, detaches) the reader that may take items from the writer's hand.</summary>
    public void SetDirectReader(IDirectReader<T>? reader) => Volatile.Write(ref _direct, reader);

    /// <summary>Hands <paramref name="item"/> to the direct reader when nothing is queued and it waits; queues it
    /// otherwise (as <see cref="TryWrite(T, bool)"/>).</summary>
    /// <param name="item">The item.</param>
    /// <param name="deferWake">As for <see cref="TryWrite(T, bool)"/>.</param>
    /// <param name="pending">When handled: the handling still running after the call, if any.</param>
    public DirectWrite TryWriteOrHandle(T item, bool deferWake, out ValueTask pending)
    {
        pending = default;
        if (Volatile.Read(ref _direct) is { } direct && CanHandOver())
        {
            if (direct.TryHandle(item, out pending))
            {
                return DirectWrite.Handled;
            }
        }

        return TryWrite(item, deferWake) ? DirectWrite.Queued : DirectWrite.Refused;
    }

    /// <summary>Whether the reader may take the next item from the writer: nothing queued, and the reader is back for
    /// more (so it has handled everything before), and not completed.</summary>
    private bool CanHandOver()
    {
        _gate.Enter();
        try
        {
            return _count == 0 && _readerState != ReaderState.NotWaiting && !_completed;
        }
        finally
        {
            _gate.Exit();
        }
    }
}
