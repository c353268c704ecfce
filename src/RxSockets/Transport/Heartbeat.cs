using System.Reactive.Concurrency;

namespace RxSockets.Transport;

/// <summary>
/// One connection's keepalive: a ping every interval; when no frame at all has arrived within the timeout after a
/// ping, the peer is declared dead. While the read loop deliberately holds back (backpressure) the deadline is paused,
/// so a busy but healthy peer is never declared dead. A silent peer is detected within interval + timeout.
/// </summary>
/// <remarks>
/// The timers are not per connection: every heartbeat with the same clock, interval and timeout joins one shared
/// <see cref="HeartbeatClock"/> (as a ws server pings all its clients from one interval), so an idle connection holds
/// no timer of its own. A connection's first ping therefore comes at the shared clock's next tick, at most one
/// interval after it started. Thread-safe: ticks arrive on the scheduler, activity reports on the read loop.
/// </remarks>
internal sealed class Heartbeat : IDisposable, IListNode<Heartbeat>
{
    private readonly IScheduler _scheduler;
    private long _lastActivityTicks;
    private HeartbeatClock? _clock;

    public Heartbeat(IScheduler scheduler, TimeSpan interval, TimeSpan timeout, IHeartbeatOwner owner)
    {
        _scheduler = scheduler;
        Interval = interval;
        Timeout = timeout;
        Owner = owner;
        _lastActivityTicks = scheduler.Now.UtcTicks;
    }

    public IHeartbeatOwner Owner { get; }

    public TimeSpan Interval { get; }

    public TimeSpan Timeout { get; }

    public IScheduler Scheduler => _scheduler;

    public long LastActivityTicks => Volatile.Read(ref _lastActivityTicks);

    // The clock's intrusive list and the unanswered ping's time (UTC ticks, 0 when none), guarded by the clock.
    public Heartbeat? Previous { get; set; }

    public Heartbeat? Next { get; set; }

    internal long AwaitingSince { get; set; }

    /// <summary>Joins the shared clock; does nothing when the interval is infinite.</summary>
    public void Start()
    {
        if (Interval != System.Threading.Timeout.InfiniteTimeSpan)
        {
            _clock = HeartbeatClock.Join(this);
        }
    }

    /// <summary>Any inbound frame proves the peer alive.</summary>
    public void OnActivity() => Volatile.Write(ref _lastActivityTicks, _scheduler.Now.UtcTicks);

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _clock, null) is { } clock)
        {
            clock.Leave(this);
        }
    }
}
