using System.Reactive.Concurrency;

namespace RxSockets.Transport;

/// <summary>
/// Keepalive on the injected clock: a ping every interval; when no frame at all has arrived within the timeout after a
/// ping, the peer is declared dead. While the read loop deliberately holds back (backpressure) the deadline is paused,
/// so a busy but healthy peer is never declared dead. A silent peer is detected within interval + timeout.
/// Thread-safe: callbacks arrive on the scheduler, activity reports on the read loop.
/// </summary>
internal sealed class Heartbeat : IDisposable
{
    private readonly IScheduler _scheduler;
    private readonly TimeSpan _interval;
    private readonly TimeSpan _timeout;
    private readonly Action _sendPing;
    private readonly Action<TimeoutException> _onDead;
    private readonly Func<bool> _isPaused;
    private readonly object _gate = new();
    private IDisposable? _pingTimer;
    private IDisposable? _checkTimer;
    private long _lastActivityTicks;
    private DateTimeOffset? _awaitingSince;
    private bool _disposed;

    public Heartbeat(IScheduler scheduler, TimeSpan interval, TimeSpan timeout, Action sendPing, Action<TimeoutException> onDead, Func<bool> isPaused)
    {
        _scheduler = scheduler;
        _interval = interval;
        _timeout = timeout;
        _sendPing = sendPing;
        _onDead = onDead;
        _isPaused = isPaused;
        _lastActivityTicks = scheduler.Now.UtcTicks;
    }

    /// <summary>Starts pinging; does nothing when the interval is infinite.</summary>
    public void Start()
    {
        if (_interval != Timeout.InfiniteTimeSpan)
        {
            _pingTimer = _scheduler.SchedulePeriodic(_interval, Tick);
        }
    }

    /// <summary>Any inbound frame proves the peer alive.</summary>
    public void OnActivity() => Volatile.Write(ref _lastActivityTicks, _scheduler.Now.UtcTicks);

    private void Tick()
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _sendPing();
            if (_awaitingSince is null && _timeout != Timeout.InfiniteTimeSpan)
            {
                _awaitingSince = _scheduler.Now;
                _checkTimer = _scheduler.Schedule(_timeout, Check);
            }
        }
    }

    private void Check()
    {
        TimeoutException? dead = null;
        lock (_gate)
        {
            if (_disposed || _awaitingSince is not { } since)
            {
                return;
            }

            _awaitingSince = null;
            if (Volatile.Read(ref _lastActivityTicks) < since.UtcTicks && !_isPaused())
            {
                dead = new TimeoutException($"No pong or other frame arrived within {_timeout} of a keepalive ping.");
            }
        }

        if (dead is not null)
        {
            _onDead(dead);
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _disposed = true;
            _pingTimer?.Dispose();
            _checkTimer?.Dispose();
        }
    }
}
