using System.Reactive.Concurrency;
using System.Reactive.Linq;
using RxSockets.Reactive;

namespace RxSockets;

/// <summary>
/// Client-side flow control: a mailbox per subscriber between a hot source (such as
/// <see cref="WebSocketConnection.Incoming"/>) and a subscriber that may be slower than the source.
/// </summary>
/// <remarks>
/// <para>Without these operators a slow subscriber of <c>Incoming</c> slows the connection's delivery loop, and with
/// it every other subscriber and, through backpressure, the socket: nothing is lost, but everyone waits. With them,
/// the source's <c>OnNext</c> only stores the value in the subscriber's own mailbox and returns at once; the values
/// are delivered to the subscriber on the given scheduler (by default the thread pool), one at a time, in
/// order. What a full mailbox keeps is the policy you choose, and every value it discards is counted in the optional
/// <see cref="FlowStatistics"/>.</para>
/// <para>Each subscription gets its own mailbox. <c>OnCompleted</c> and <c>OnError</c> are delivered after the values
/// already waiting. Disposing the subscription discards the waiting values (they are not counted as drops).</para>
/// </remarks>
public static class MessageFlowExtensions
{
    /// <summary>A bounded FIFO mailbox per subscriber with an overflow policy.</summary>
    /// <typeparam name="T">The value type.</typeparam>
    /// <param name="source">The hot source, such as <see cref="WebSocketConnection.Incoming"/>.</param>
    /// <param name="capacity">How many values may wait for the subscriber.</param>
    /// <param name="overflow">What to do with a value that arrives while <paramref name="capacity"/> values wait.</param>
    /// <param name="statistics">Counts received, delivered and dropped values; null to count nothing.</param>
    /// <param name="scheduler">Where the subscriber is called; null for <see cref="Scheduler.Default"/>.</param>
    /// <returns>The values, delivered through the mailbox.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="capacity"/> is not positive, or
    /// <paramref name="overflow"/> is not defined.</exception>
    public static IObservable<T> Mailbox<T>(this IObservable<T> source, int capacity, MailboxOverflow overflow,
        FlowStatistics? statistics = null, IScheduler? scheduler = null)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(capacity);
        if (!Enum.IsDefined(overflow))
        {
            throw new ArgumentOutOfRangeException(nameof(overflow), overflow, "Unknown overflow policy.");
        }

        return Through(source, () => new BoundedMailboxBuffer<T>(capacity, overflow), statistics, scheduler);
    }

    /// <summary>Latest-value conflation: while the subscriber is busy, only the newest value waits; each newer one
    /// replaces it (and the replaced one counts as a drop). The subscriber always sees the most recent state.</summary>
    /// <typeparam name="T">The value type.</typeparam>
    /// <param name="source">The hot source.</param>
    /// <param name="statistics">Counts received, delivered and dropped values; null to count nothing.</param>
    /// <param name="scheduler">Where the subscriber is called; null for <see cref="Scheduler.Default"/>.</param>
    /// <returns>The values, conflated to the newest while the subscriber is busy.</returns>
    public static IObservable<T> Conflate<T>(this IObservable<T> source, FlowStatistics? statistics = null, IScheduler? scheduler = null)
    {
        ArgumentNullException.ThrowIfNull(source);
        return Through(source, () => new LatestMailboxBuffer<T>(), statistics, scheduler);
    }

    /// <summary>Latest-per-key conflation (the order-book or ticker case): while the subscriber is busy, the newest
    /// value of every key waits, and a newer value of a waiting key replaces it in place (the replaced one counts as a
    /// drop). Keys are delivered in the order they started waiting, so a busy key never starves a quiet one.</summary>
    /// <typeparam name="T">The value type.</typeparam>
    /// <typeparam name="TKey">The key type.</typeparam>
    /// <param name="source">The hot source.</param>
    /// <param name="keySelector">The key of a value, such as its symbol; must not return null. If it throws, the
    /// subscriber receives the waiting values and then <c>OnError</c> with its exception.</param>
    /// <param name="statistics">Counts received, delivered and dropped values; null to count nothing.</param>
    /// <param name="scheduler">Where the subscriber is called; null for <see cref="Scheduler.Default"/>.</param>
    /// <param name="comparer">Compares keys; null for the default comparer.</param>
    /// <returns>The values, at most one waiting per key.</returns>
    public static IObservable<T> ConflateByKey<T, TKey>(this IObservable<T> source, Func<T, TKey> keySelector,
        FlowStatistics? statistics = null, IScheduler? scheduler = null, IEqualityComparer<TKey>? comparer = null)
        where TKey : notnull
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(keySelector);
        return Through(source, () => new KeyedMailboxBuffer<T, TKey>(keySelector, comparer), statistics, scheduler);
    }

    private static IObservable<T> Through<T>(IObservable<T> source, Func<IMailboxBuffer<T>> createBuffer,
        FlowStatistics? statistics, IScheduler? scheduler)
    {
        scheduler ??= Scheduler.Default;
        return Observable.Create<T>(observer =>
        {
            var mailbox = new Mailbox<T>(observer, createBuffer(), scheduler, statistics);
            mailbox.Upstream = source.Subscribe(mailbox);
            return mailbox;
        });
    }
}
