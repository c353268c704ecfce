using System.Reactive.Concurrency;
using System.Reactive.Disposables;

namespace RxSockets.Reactive;

/// <summary>
/// The connection's one clock (<see cref="ConnectionOptions.Scheduler"/>) seen as a <see cref="TimeProvider"/>, so
/// Polly's delays and timeouts run on it too: on a virtual-time scheduler a test sees a 16 s backoff as exactly 16 s of
/// virtual time, in no real time at all. Thread-safe.
/// </summary>
internal sealed class SchedulerTimeProvider(IScheduler scheduler) : TimeProvider
{
    public IScheduler Scheduler { get; } = scheduler;

    public override DateTimeOffset GetUtcNow() => Scheduler.Now.ToUniversalTime();

    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    public override long GetTimestamp() => Scheduler.Now.UtcTicks;

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        ArgumentNullException.ThrowIfNull(callback);
        var timer = new SchedulerTimer(Scheduler, callback, state);
        timer.Change(dueTime, period);
        return timer;
    }

    /// <summary>A timer as scheduled work: each due time is one scheduled item, replaced on every change.</summary>
    private sealed class SchedulerTimer(IScheduler scheduler, TimerCallback callback, object? state) : ITimer
    {
        private readonly Lock _gate = new();
        private IDisposable? _scheduled;
        private TimeSpan _period = Timeout.InfiniteTimeSpan;
        private long _generation;
        private bool _disposed;

        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            lock (_gate)
            {
                if (_disposed)
                {
                    return false;
                }

                _scheduled?.Dispose();
                _scheduled = null;
                _period = period;
                var generation = ++_generation;
                if (dueTime != Timeout.InfiniteTimeSpan)
                {
                    _scheduled = scheduler.Schedule(generation, dueTime < TimeSpan.Zero ? TimeSpan.Zero : dueTime, Fire);
                }

                return true;
            }
        }

        public void Dispose()
        {
            lock (_gate)
            {
                _disposed = true;
                _scheduled?.Dispose();
                _scheduled = null;
            }
        }

        public ValueTask DisposeAsync()
        {
            Dispose();
            return default;
        }

        private IDisposable Fire(IScheduler self, long generation)
        {
            lock (_gate)
            {
                if (_disposed || generation != _generation)
                {
                    return Disposable.Empty;
                }

                if (_period != Timeout.InfiniteTimeSpan && _period > TimeSpan.Zero)
                {
                    _scheduled = self.Schedule(generation, _period, Fire);
                }
            }

            callback(state);
            return Disposable.Empty;
        }
    }
}
