using System.Reactive.Concurrency;

namespace RxSockets.Testing;

/// <summary>An <see cref="IScheduler"/> as a <see cref="TimeProvider"/>: its clock is the scheduler's
/// <see cref="IScheduler.Now"/> and its timers are work scheduled on it, so code that takes a TimeProvider runs on
/// the same virtual time as the connections. Thread-safe.</summary>
internal sealed class SchedulerClock(IScheduler scheduler) : TimeProvider
{
    public override DateTimeOffset GetUtcNow() => scheduler.Now.ToUniversalTime();

    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    public override long GetTimestamp() => scheduler.Now.UtcTicks;

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        ArgumentNullException.ThrowIfNull(callback);
        var timer = new Timer(scheduler, callback, state);
        timer.Change(dueTime, period);
        return timer;
    }

    /// <summary>One timer: at most one scheduled item at a time; a change or a dispose cancels it, and a stale
    /// item that already started (its version is old) does nothing.</summary>
    private sealed class Timer(IScheduler scheduler, TimerCallback callback, object? state) : ITimer
    {
        private readonly Lock _gate = new();
        private IDisposable? _next;
        private TimeSpan _period;
        private int _version;
        private bool _disposed;

        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            lock (_gate)
            {
                if (_disposed)
                {
                    return false;
                }

                _next?.Dispose();
                _next = null;
                _period = period;
                _version++;
                if (dueTime != Timeout.InfiniteTimeSpan)
                {
                    Arm(dueTime < TimeSpan.Zero ? TimeSpan.Zero : dueTime);
                }

                return true;
            }
        }

        public void Dispose()
        {
            lock (_gate)
            {
                _disposed = true;
                _next?.Dispose();
                _next = null;
            }
        }

        public ValueTask DisposeAsync()
        {
            Dispose();
            return default;
        }

        private void Arm(TimeSpan due)
        {
            var version = _version;
            _next = scheduler.Schedule(due, () => Fire(version));
        }

        private void Fire(int version)
        {
            lock (_gate)
            {
                if (_disposed || version != _version)
                {
                    return;
                }

                _next = null;
                if (_period != Timeout.InfiniteTimeSpan && _period > TimeSpan.Zero)
                {
                    Arm(_period);   // the next one is due a period after this one was, on the same clock
                }
            }

            callback(state);
        }
    }
}
