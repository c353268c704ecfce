namespace RxSockets.Transport;

/// <summary>The state of a <see cref="BoundedQueue{T}"/> that most queues never need, in a side object made on first
/// use: a connection whose consumer waits without a cancellation token, and whose queue never fills, holds none of it
/// (44 B of fields traded for one reference: 36 B less per queue). A consumer that waits with a token makes it once and
/// keeps it.</summary>
internal partial class BoundedQueue<T>
{
    private Extras? _extras;

    /// <summary>The side object when it was made; null otherwise. For a look that must not make it.</summary>
    private protected Extras? ExistingExtras => Volatile.Read(ref _extras);

    /// <summary>The side object, made now if this is its first use. Thread-safe without the gate: a subclass keeps
    /// state of its own there under its own lock, so it may be made under either; whichever thread loses the race uses
    /// the winner's.</summary>
    private protected Extras GetExtras() => LazyField.Get(ref _extras, this, static queue => queue.CreateExtras());

    /// <summary>Makes the side object: a subclass that keeps rare state of its own makes a subclass of
    /// <see cref="Extras"/> holding it too, so the queue and its owner share one side object.</summary>
    private protected virtual Extras CreateExtras() => new();

    /// <summary>Takes the blocked writers to release (under the gate), without making the side object.</summary>
    private List<TaskCompletionSource>? TakeBlockedWriters()
    {
        if (_extras is not { BlockedWriters: { } writers } extras)
        {
            return null;
        }

        extras.BlockedWriters = null;
        return writers;
    }

    /// <summary>Takes the idle waiter to complete (under the gate), without making the side object.</summary>
    private TaskCompletionSource? TakeReaderIdle()
    {
        if (_extras is not { ReaderIdle: { } idle } extras)
        {
            return null;
        }

        extras.ReaderIdle = null;
        return idle;
    }

    /// <summary>Takes the waiting reader's cancellation registration to undo (under the gate), without making the side
    /// object; default when the wait has no token.</summary>
    private CancellationTokenRegistration TakeReaderCancellation()
    {
        if (_extras is not { } extras)
        {
            return default;
        }

        var registration = extras.ReaderCancellation;
        extras.ReaderCancellation = default;
        return registration;
    }

    /// <summary>The rare parts of a queue. Its fields are guarded by the queue's gate, like the rest of the queue.</summary>
    private protected class Extras
    {
        /// <summary>Made by <see cref="WaitForReaderIdleAsync"/> (a failing connection); completed when the reader is
        /// back for more or the queue completes.</summary>
        public TaskCompletionSource? ReaderIdle;

        /// <summary>The waiting reader's cancellation, when its wait has a token; whoever ends the wait undoes it.</summary>
        public CancellationTokenRegistration ReaderCancellation;

        /// <summary>Writers waiting for room (the queue was full) or for the reader to take an item.</summary>
        public List<TaskCompletionSource>? BlockedWriters;

        /// <summary>Set when a finished wait's outcome was moved aside before anyone collected it
        /// (see <see cref="KeepUncollectedOutcome"/>): <see cref="StaleVersion"/>, <see cref="StaleResult"/> and
        /// <see cref="StaleError"/> hold it for its old token.</summary>
        public bool HasStale;

        /// <summary>The token of the wait whose outcome is kept aside.</summary>
        public short StaleVersion;

        /// <summary>That wait's result, when it did not fail.</summary>
        public bool StaleResult;

        /// <summary>That wait's failure (its cancellation), if it failed.</summary>
        public Exception? StaleError;
    }
}
