using System.Reactive.Concurrency;

namespace RxSockets.Transport;

/// <summary>
/// The one timer behind every keepalive (<see cref="IHeartbeatOwner"/>) that shares a scheduler, interval and
/// timeout: each tick pings all of them, and one check per tick, a timeout later, declares dead those that stayed
/// silent since, who leave at once. The connections sit in an intrusive list, so joining and leaving allocate nothing;
/// the clock stops and is forgotten when the last one leaves. Thread-safe: one process-wide lock guards every clock (ticks are rare and quick).
/// </summary>
internal sealed class HeartbeatClock
{
    private static readonly Dictionary<(IScheduler, TimeSpan, TimeSpan), HeartbeatClock> s_clocks = [];
    private static readonly Lock s_gate = new();

    private readonly (IScheduler Scheduler, TimeSpan Interval, TimeSpan Timeout) _key;
    private readonly IDisposable _ticker;
    private IHeartbeatOwner? _head;
    private int _count;

    private HeartbeatClock((IScheduler Scheduler, TimeSpan Interval, TimeSpan Timeout) key)
    {
        _key = key;
        _ticker = key.Scheduler.SchedulePeriodic(key.Interval, Tick);
    }

    /// <summary>How many clocks are running (for tests).</summary>
    public static int Running
    {
        get
        {
            lock (s_gate)
            {
                return s_clocks.Count;
            }
        }
    }

    /// <summary>Adds <paramref name="heartbeat"/> to the clock of <paramref name="scheduler"/>,
    /// <paramref name="interval"/> and <paramref name="timeout"/>, starting that clock if it is the first.</summary>
    public static HeartbeatClock Join(IHeartbeatOwner heartbeat, IScheduler scheduler, TimeSpan interval, TimeSpan timeout)
    {
        var key = (scheduler, interval, timeout);
        lock (s_gate)
        {
            if (!s_clocks.TryGetValue(key, out var clock))
            {
                clock = new HeartbeatClock(key);
                s_clocks.Add(key, clock);
            }

            heartbeat.AwaitingSince = 0;
            IntrusiveList.AddFirst(ref clock._head, heartbeat);
            clock._count++;
            return clock;
        }
    }

    /// <summary>Removes <paramref name="heartbeat"/> unless it is gone already (declared dead); the last one out
    /// stops the clock.</summary>
    public void Leave(IHeartbeatOwner heartbeat)
    {
        lock (s_gate)
        {
            RemoveLocked(heartbeat);
        }
    }

    private void RemoveLocked(IHeartbeatOwner heartbeat)
    {
        if (IntrusiveList.TryRemove(ref _head, heartbeat) && --_count == 0)
        {
            _ticker.Dispose();
            s_clocks.Remove(_key);
        }
    }

    private void Tick()
    {
        var awaiting = false;
        lock (s_gate)
        {
            if (_count == 0)
            {
                return;
            }

            var now = _key.Scheduler.Now.UtcTicks;
            for (var heartbeat = _head; heartbeat is not null; heartbeat = heartbeat.Next)
            {
                // Queuing a ping only enqueues a control frame: it never calls back into the clock.
                heartbeat.SendKeepAlivePing();
                if (heartbeat.AwaitingSince == 0 && _key.Timeout != Timeout.InfiniteTimeSpan)
                {
                    heartbeat.AwaitingSince = now;
                    awaiting = true;
                }
            }

            if (awaiting)
            {
                _key.Scheduler.Schedule((Clock: this, Since: now), _key.Timeout, static (_, state) =>
                {
                    state.Clock.Check(state.Since);
                    return System.Reactive.Disposables.Disposable.Empty;
                });
            }
        }
    }

    private void Check(long since)
    {
        List<IHeartbeatOwner>? dead = null;
        lock (s_gate)
        {
            for (var heartbeat = _head; heartbeat is not null; heartbeat = heartbeat.Next)
            {
                if (heartbeat.AwaitingSince != since)
                {
                    continue;
                }

                heartbeat.AwaitingSince = 0;
                if (heartbeat.LastActivityTicks < since && !heartbeat.IsKeepAlivePaused)
                {
                    (dead ??= []).Add(heartbeat);
                }
            }

            // A dead peer leaves at once: no later tick pings it or schedules a check for it while its connection ends.
            foreach (var heartbeat in dead ?? [])
            {
                RemoveLocked(heartbeat);
            }
        }

        // Outside the lock: declaring a peer dead aborts its connection (whose own leaving then finds it gone).
        foreach (var heartbeat in dead ?? [])
        {
            heartbeat.OnKeepAliveTimeout(new KeepAliveTimeoutException($"No pong or other frame arrived within {_key.Timeout} of a keepalive ping."));
        }
    }
}
