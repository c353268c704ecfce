using System.Reactive.Concurrency;

namespace RxSockets.Testing;

/// <summary>
/// An <see cref="IScheduler"/> that forwards to another (a virtual clock such as Microsoft.Reactive.Testing's
/// <c>TestScheduler</c>) and knows which timers wait on it. RxSockets arms its timers on its own threads (a reconnect
/// delay is armed just after the <see cref="ClientReconnecting"/> event, a keepalive deadline after the ping is
/// written): a test awaits <see cref="WaitForTimerAsync"/> before it moves time, so the timer it means to fire is
/// there, instead of guessing.
/// </summary>
/// <remarks>A timer counts as armed once the inner clock has it, never before, so moving the clock as soon as
/// <see cref="WaitForTimerAsync"/> completes fires it. A timer scheduled with a relative due time is due that long
/// after <see cref="Now"/> at the call, even if the clock moves before the inner clock takes it.</remarks>
/// <example>
/// <code>
/// var clock = new TestScheduler();
/// var timers = new WatchedScheduler(clock);
/// var options = new WebSocketClientOptions().UseScheduler(timers);
/// // ... a ClientReconnecting event with Delay = 2 s arrives:
/// await timers.WaitForTimerAsync(TimeSpan.FromSeconds(2));
/// clock.AdvanceBy(TimeSpan.FromSeconds(2).Ticks);   // the attempt starts now, at exactly 2 s
/// </code>
/// </example>
public sealed class WatchedScheduler : IScheduler, IServiceProvider
{
    private readonly IScheduler _inner;
    private readonly Lock _gate = new();
    private readonly List<Timer> _pending = [];
    private readonly List<(Func<DateTimeOffset, bool> Match, TaskCompletionSource Signal)> _waiters = [];

    /// <summary>Watches the timers scheduled through this instance on <paramref name="inner"/>.</summary>
    /// <param name="inner">The clock that runs them.</param>
    public WatchedScheduler(IScheduler inner)
    {
        ArgumentNullException.ThrowIfNull(inner);
        _inner = inner;
    }

    /// <inheritdoc/>
    public DateTimeOffset Now => _inner.Now;

    /// <summary>The timers on the inner clock and neither run nor cancelled yet.</summary>
    public int Pending
    {
        get
        {
            lock (_gate)
            {
                return _pending.Count;
            }
        }
    }

    /// <summary>Completes when a timer due exactly <paramref name="dueIn"/> after the current time (<see cref="Now"/>
    /// when called) waits on the clock; at once if one already does.</summary>
    /// <param name="dueIn">How far ahead the timer is due; zero or more.</param>
    /// <param name="cancellationToken">Stops waiting.</param>
    /// <returns>A task that completes when such a timer is armed.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="dueIn"/> is negative.</exception>
    public Task WaitForTimerAsync(TimeSpan dueIn, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(dueIn, TimeSpan.Zero);
        var due = _inner.Now + dueIn;
        return WaitAsync(at => at == due, cancellationToken);
    }

    /// <summary>Completes when at least one timer waits on the clock; at once if one already does.</summary>
    /// <param name="cancellationToken">Stops waiting.</param>
    /// <returns>A task that completes when a timer is armed.</returns>
    public Task WaitForAnyTimerAsync(CancellationToken cancellationToken = default) => WaitAsync(_ => true, cancellationToken);

    /// <inheritdoc/>
    public IDisposable Schedule<TState>(TState state, Func<IScheduler, TState, IDisposable> action) =>
        Schedule(state, TimeSpan.Zero, action);

    /// <inheritdoc/>
    public IDisposable Schedule<TState>(TState state, TimeSpan dueTime, Func<IScheduler, TState, IDisposable> action)
    {
        ArgumentNullException.ThrowIfNull(action);

        // Made absolute once, here: the test may move the clock before the inner clock takes the timer, and the timer
        // must still be due when it was asked for (and when WaitForTimerAsync says), not that much later.
        return Schedule(state, _inner.Now + (dueTime < TimeSpan.Zero ? TimeSpan.Zero : dueTime), action);
    }

    /// <inheritdoc/>
    public IDisposable Schedule<TState>(TState state, DateTimeOffset dueTime, Func<IScheduler, TState, IDisposable> action)
    {
        ArgumentNullException.ThrowIfNull(action);
        var timer = new Timer(this, dueTime);

        // On the inner clock first, watched only after: a waiter woken by Arm moves the clock at once (on another
        // thread), and the timer has to be on the clock by then, or it is left behind.
        timer.Inner = _inner.Schedule(state, dueTime, (_, s) => Run(timer, s, action));
        Arm(timer);
        return timer;
    }

    /// <summary>Offers the inner clock's stopwatch (so periodic work measures time as on the inner clock) and nothing
    /// else: periodic and long-running work then goes through <see cref="Schedule{TState}(TState, TimeSpan, Func{IScheduler, TState, IDisposable})"/>
    /// and is watched too.</summary>
    /// <param name="serviceType">The service asked for.</param>
    /// <returns>The inner stopwatch provider, or null.</returns>
    public object? GetService(Type serviceType) =>
        serviceType == typeof(IStopwatchProvider) ? _inner.AsStopwatchProvider() : null;

    private IDisposable Run<TState>(Timer timer, TState state, Func<IScheduler, TState, IDisposable> action)
    {
        lock (_gate)
        {
            timer.HasRun = true;   // before Arm, when the clock runs it at once: it must not be watched after
            _pending.Remove(timer);
        }

        if (timer.IsDisposed)
        {
            return System.Reactive.Disposables.Disposable.Empty;   // cancelled before the inner clock knew of it
        }

        return action(this, state);   // recursive scheduling comes back through here, and is watched too
    }

    /// <summary>Watches a timer the inner clock has, and wakes the waiters it satisfies; not one that already ran or
    /// was cancelled.</summary>
    private void Arm(Timer timer)
    {
        lock (_gate)
        {
            if (timer.HasRun || timer.IsDisposed)
            {
                return;
            }

            _pending.Add(timer);
            for (var i = _waiters.Count - 1; i >= 0; i--)
            {
                if (_waiters[i].Match(timer.Due))
                {
                    _waiters[i].Signal.TrySetResult();
                    _waiters.RemoveAt(i);
                }
            }
        }
    }

    private void Remove(Timer timer)
    {
        lock (_gate)
        {
            _pending.Remove(timer);
        }
    }

    private Task WaitAsync(Func<DateTimeOffset, bool> match, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (_pending.Exists(t => match(t.Due)))
            {
                return Task.CompletedTask;
            }

            var signal = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((match, signal));
            return signal.Task.WaitAsync(cancellationToken);
        }
    }

    /// <summary>One scheduled item: disposing it cancels it on the inner clock and stops watching it.</summary>
    private sealed class Timer(WatchedScheduler owner, DateTimeOffset due) : IDisposable
    {
        public DateTimeOffset Due { get; } = due;

        private volatile bool _disposed;

        public IDisposable? Inner { get; set; }

        /// <summary>The inner clock ran it; set and read under the owner's lock.</summary>
        public bool HasRun { get; set; }

        public bool IsDisposed => _disposed;

        public void Dispose()
        {
            _disposed = true;
            owner.Remove(this);
            Inner?.Dispose();
        }
    }
}
