using System.Reactive.Concurrency;

namespace RxSockets.Testing;

/// <summary>
/// Puts RxSockets' timers on a virtual-time <see cref="IScheduler"/>, such as Microsoft.Reactive.Testing's
/// <c>TestScheduler</c> or System.Reactive's <see cref="HistoricalScheduler"/>: a test then moves time itself
/// (<c>AdvanceBy</c>) and a 30-second timeout takes no real time.
/// </summary>
/// <remarks>
/// <para><see cref="ConnectionOptions.Scheduler"/> is the one clock of a connection, a client and a server. On it run:
/// the keepalive pings and the keepalive timeout (<see cref="ConnectionOptions.KeepAliveInterval"/>,
/// <see cref="ConnectionOptions.KeepAliveTimeout"/>), the close timeout, the opening handshake timeout, the round-trip
/// times of pings and <see cref="WebSocketConnection.LastActivity"/>; a <see cref="WebSocketClient"/>'s reconnect
/// backoff (<see cref="ReconnectOptions"/>, Polly's delays) and the time of its events; the messaging request
/// timeouts (<see cref="MessagingClientOptions"/>, <see cref="MessagingServerOptions"/>); resumption's timeouts
/// (<see cref="ResumeOptions"/>); a server's message rate limit and its broadcast wait bound.</para>
/// <para>Not on it: the flow operators' delivery (<c>Mailbox</c>, <c>Conflate</c>, <c>ConflateByKey</c> take their own
/// scheduler argument: pass the same one), an <see cref="Scaling.InProcessCluster"/> and a Redis backplane (they take a
/// <see cref="TimeProvider"/>: pass <see cref="ToTimeProvider"/>), and the connection-duration metric (real time).</para>
/// <para>The connections still run on real threads: after an action, await its visible effect (a received message,
/// a state) before moving time, so the timer the test means to fire is armed.</para>
/// </remarks>
public static class VirtualTime
{
    /// <summary>Sets <see cref="ConnectionOptions.Scheduler"/>, so every timer of what is made from these options runs
    /// on <paramref name="scheduler"/>.</summary>
    /// <typeparam name="TOptions">Client or server options.</typeparam>
    /// <param name="options">The options to change (they are changed, and returned).</param>
    /// <param name="scheduler">The virtual clock.</param>
    /// <returns><paramref name="options"/>, for chaining.</returns>
    public static TOptions UseScheduler<TOptions>(this TOptions options, IScheduler scheduler) where TOptions : ConnectionOptions
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(scheduler);
        options.Scheduler = scheduler;
        return options;
    }

    /// <summary>The scheduler as a <see cref="TimeProvider"/> (its <c>Now</c> and timers), for the RxSockets parts that
    /// take one, such as <see cref="Scaling.InProcessCluster"/> or the Redis backplane's options.</summary>
    /// <param name="scheduler">The virtual clock.</param>
    /// <returns>A time provider whose time is the scheduler's and whose timers are work scheduled on it.</returns>
    public static TimeProvider ToTimeProvider(this IScheduler scheduler)
    {
        ArgumentNullException.ThrowIfNull(scheduler);
        return new SchedulerClock(scheduler);
    }
}
