using System.Runtime.ExceptionServices;
using System.Threading.Channels;
using System.Threading.Tasks.Sources;

namespace RxSockets.Transport;

/// <summary>The reader's wait of a <see cref="BoundedQueue{T}"/>: one reusable <see cref="IValueTaskSource{TResult}"/>
/// core, so waiting for the next item allocates nothing, and the bookkeeping that keeps an outcome nobody collected yet.</summary>
internal partial class BoundedQueue<T>
{
    // The reader's waits share one core. When the next wait starts before the previous one's outcome was collected
    // (an AsTask wrapper whose continuation is still queued, after a cancellation), that outcome is kept in the side
    // object (Extras) for its old token instead of being lost to the reset, which would throw on the thread pool.
    private bool _collected = true;

    public sealed override ValueTask<bool> WaitToReadAsync(CancellationToken cancellationToken = default)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled<bool>(cancellationToken);
        }

        return BeginWait(cancellationToken, out var version) is { } now ? new ValueTask<bool>(now) : new ValueTask<bool>(this, version);
    }

    /// <summary>What <see cref="WaitToReadAsync"/> does, for a reader that attaches its continuation to this source
    /// itself (<see cref="IValueTaskSource{TResult}.OnCompleted"/> with <paramref name="version"/>) instead of awaiting a
    /// ValueTask, so its wait needs no state machine of its own.</summary>
    /// <returns>The answer when it is known at once; null when the wait is pending under <paramref name="version"/>.</returns>
    internal bool? BeginWait(CancellationToken cancellationToken, out short version)
    {
        version = 0;
        TaskCompletionSource? idle;
        _gate.Enter();
        try
        {
            if (_count > 0)
            {
                return true;
            }

            // The reader is back for more with nothing left: it is done with everything it took.
            _readerBusy = false;
            idle = TakeReaderIdle();
            if (_completed)
            {
                idle?.TrySetResult();
                return false;
            }

            if (_readerState != ReaderState.NotWaiting)
            {
                throw new InvalidOperationException("The queue has one reader: a wait is already pending.");
            }

            if (!_collected)
            {
                KeepUncollectedOutcome();
            }

            _reader.Reset();
            _collected = false;
            _readerState = ReaderState.Waiting;
            version = _reader.Version;
        }
        finally
        {
            _gate.Exit();
        }

        idle?.TrySetResult();

        if (cancellationToken.CanBeCanceled)
        {
            var registration = cancellationToken.UnsafeRegister(static (state, token) => ((BoundedQueue<T>)state!).CancelWait(token), this);
            var extras = GetExtras();   // made outside the gate, once per queue
            _gate.Enter();
            try
            {
                if (_readerState != ReaderState.NotWaiting && _reader.Version == version)
                {
                    // Still waiting: whoever ends the wait unregisters this.
                    extras.ReaderCancellation = registration;
                    registration = default;
                }
            }
            finally
            {
                _gate.Exit();
            }

            registration.Unregister();
        }

        return null;
    }

    bool IValueTaskSource<bool>.GetResult(short token)
    {
        _gate.Enter();
        try
        {
            if (_extras is { HasStale: true } extras && token == extras.StaleVersion)
            {
                extras.HasStale = false;
                if (extras.StaleError is { } error)
                {
                    ExceptionDispatchInfo.Throw(error);
                }

                return extras.StaleResult;
            }

            _collected = true;
            return _reader.GetResult(token);
        }
        finally
        {
            _gate.Exit();
        }
    }

    ValueTaskSourceStatus IValueTaskSource<bool>.GetStatus(short token)
    {
        _gate.Enter();
        try
        {
            if (_extras is { HasStale: true } extras && token == extras.StaleVersion)
            {
                return extras.StaleError switch
                {
                    null => ValueTaskSourceStatus.Succeeded,
                    OperationCanceledException => ValueTaskSourceStatus.Canceled,
                    _ => ValueTaskSourceStatus.Faulted,
                };
            }

            return _reader.GetStatus(token);
        }
        finally
        {
            _gate.Exit();
        }
    }

    /// <summary>Moves the finished, uncollected wait's outcome aside (under the lock) before the core is reset.</summary>
    private void KeepUncollectedOutcome()
    {
        var version = _reader.Version;

        // Whoever ended the wait set NotWaiting under the lock and completes the core right after it.
        var spin = new SpinWait();
        while (_reader.GetStatus(version) == ValueTaskSourceStatus.Pending)
        {
            spin.SpinOnce();
        }

        var extras = GetExtras();
        extras.HasStale = true;
        extras.StaleVersion = version;
        try
        {
            extras.StaleResult = _reader.GetResult(version);
            extras.StaleError = null;
        }
#pragma warning disable CA1031 // The outcome is kept to be rethrown to its awaiter, not handled here.
        catch (Exception error)
#pragma warning restore CA1031
        {
            extras.StaleError = error;
        }
    }

    void IValueTaskSource<bool>.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _reader.OnCompleted(continuation, state, token, flags);

    private void CancelWait(CancellationToken token)
    {
        _gate.Enter();
        try
        {
            if (_readerState == ReaderState.NotWaiting)
            {
                return;
            }

            _readerState = ReaderState.NotWaiting;
            _ = TakeReaderCancellation();   // this is that registration's callback: nothing to undo
        }
        finally
        {
            _gate.Exit();
        }

        _reader.SetException(new OperationCanceledException(token));
    }
}
