namespace RxSockets.Cli;

/// <summary>
/// Counts the connection handlers still running, so that shutdown can wait for all of them without keeping a task
/// (and a dictionary entry) per connection: with ten thousand idle connections that bookkeeping is memory.
/// </summary>
internal sealed class RunningHandlers
{
    private readonly TaskCompletionSource _drained = new(TaskCreationOptions.RunContinuationsAsynchronously);

    // Starts at one: the accepting side's own hold, given back by CompleteAsync.
    private int _count = 1;

    /// <summary>Counts a handler in; it must call <see cref="Exit"/> once when it ends.</summary>
    public void Enter() => Interlocked.Increment(ref _count);

    /// <summary>Counts a handler out.</summary>
    public void Exit()
    {
        if (Interlocked.Decrement(ref _count) == 0)
        {
            _drained.TrySetResult();
        }
    }

    /// <summary>No more handlers will start; completes when the running ones have ended.</summary>
    public Task CompleteAsync()
    {
        Exit();
        return _drained.Task;
    }
}
