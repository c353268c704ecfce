using System.Threading.Tasks.Sources;

namespace RxSockets.Transport;

/// <summary>
/// An allocation-free auto-reset event for one waiter and many signallers: <see cref="Set()"/> from any thread wakes the
/// single loop awaiting <see cref="WaitAsync"/>; a signal sent while nobody waits is remembered once.
/// </summary>
internal sealed class AsyncSignal : IValueTaskSource
{
    private const int Idle = 0;
    private const int Signalled = 1;
    private const int Waiting = 2;

    private ManualResetValueTaskSourceCore<bool> _core = new() { RunContinuationsAsynchronously = true };
    private int _state;

    /// <summary>Wakes the waiter on the thread pool, or remembers the signal for the next wait.</summary>
    public void Set() => Set(inline: false);

    /// <summary>Wakes the waiter, or remembers the signal for the next wait. With <paramref name="inline"/> the
    /// waiter's continuation runs on this thread, up to its next asynchronous wait, before this call returns.</summary>
    public void Set(bool inline)
    {
        while (true)
        {
            switch (Volatile.Read(ref _state))
            {
                case Signalled:
                    return;
                case Idle when Interlocked.CompareExchange(ref _state, Signalled, Idle) == Idle:
                    return;
                case Waiting when Interlocked.CompareExchange(ref _state, Idle, Waiting) == Waiting:
                    // Only the thread that won the exchange completes the core, so the flag cannot race.
                    _core.RunContinuationsAsynchronously = !inline;
                    _core.SetResult(true);
                    return;
            }
        }
    }

    /// <summary>Completes at once if a signal is pending, else at the next <see cref="Set()"/>. One waiter at a time.</summary>
    public ValueTask WaitAsync()
    {
        if (Interlocked.CompareExchange(ref _state, Idle, Signalled) == Signalled)
        {
            return default;
        }

        _core.Reset();
        if (Interlocked.CompareExchange(ref _state, Waiting, Idle) == Idle)
        {
            return new ValueTask(this, _core.Version);
        }

        // A signal arrived between the two exchanges: consume it.
        Volatile.Write(ref _state, Idle);
        return default;
    }

    void IValueTaskSource.GetResult(short token) => _core.GetResult(token);

    ValueTaskSourceStatus IValueTaskSource.GetStatus(short token) => _core.GetStatus(token);

    void IValueTaskSource.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _core.OnCompleted(continuation, state, token, flags);
}
