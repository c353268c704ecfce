namespace RxSockets.Client;

/// <summary>
/// The fate of one message sent with a time-to-live: it is either handed to a connection before its deadline (the
/// caller's task completes) or expires (the task fails with <see cref="MessageExpiredException"/>), never both. A timer
/// on the client's clock expires it while it waits; the send loop checks the clock again before handing it over, so a
/// message whose deadline passed is never sent even if its timer has not run yet. Thread-safe.
/// </summary>
internal sealed class ExpiringSend
{
    private const int Waiting = 0, Claimed = 1, Done = 2;

    private readonly TaskCompletionSource _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TimeProvider _clock;
    private readonly TimeSpan _timeToLive;
    private readonly DateTimeOffset _deadline;
    private readonly Action<ExpiringSend> _onExpired;
    private ITimer? _timer;
    private int _state;

    /// <param name="onExpired">Told once when the message expires (to count it and take it out of the queue).</param>
    public ExpiringSend(TimeProvider clock, TimeSpan timeToLive, Action<ExpiringSend> onExpired)
    {
        _clock = clock;
        _timeToLive = timeToLive;
        _deadline = clock.GetUtcNow() + timeToLive;
        _onExpired = onExpired;
    }

    public Task Completion => _completion.Task;

    /// <summary>Starts the expiry timer; separate from the constructor so the message is queued before it can fire.</summary>
    public void Arm()
    {
        var timer = _clock.CreateTimer(static state => ((ExpiringSend)state!).Expire(), this, _timeToLive, Timeout.InfiniteTimeSpan);
        Volatile.Write(ref _timer, timer);
        if (Volatile.Read(ref _state) == Done)
        {
            timer.Dispose();
        }
    }

    /// <summary>The send loop is about to hand the message over: false when it expired (now or before).</summary>
    public bool TryClaim()
    {
        if (_clock.GetUtcNow() >= _deadline)
        {
            Expire();
        }

        return Interlocked.CompareExchange(ref _state, Claimed, Waiting) == Waiting;
    }

    /// <summary>A closing connection refused it: it waits again (and may expire) for the next connection.</summary>
    public void Unclaim()
    {
        // Its timer may have run while it was claimed, and done nothing: the deadline is checked here instead.
        if (Interlocked.CompareExchange(ref _state, Waiting, Claimed) == Claimed && _clock.GetUtcNow() >= _deadline)
        {
            Expire();
        }
    }

    /// <summary>Handed to a connection.</summary>
    public void Sent()
    {
        Interlocked.Exchange(ref _state, Done);
        Volatile.Read(ref _timer)?.Dispose();
        _completion.TrySetResult();
    }

    /// <summary>Dropped for another reason (overflow, dispose) while waiting.</summary>
    /// <returns>True when this ended it; false when it had ended already (expired: its expiry told the sender).</returns>
    public bool Fail(Exception error)
    {
        if (Interlocked.Exchange(ref _state, Done) == Done)
        {
            return false;
        }

        Volatile.Read(ref _timer)?.Dispose();
        _completion.TrySetException(error);
        return true;
    }

    private void Expire()
    {
        if (Interlocked.CompareExchange(ref _state, Done, Waiting) != Waiting)
        {
            return;
        }

        Volatile.Read(ref _timer)?.Dispose();
        _onExpired(this);
        _completion.TrySetException(new MessageExpiredException(_timeToLive, _deadline));
    }
}
