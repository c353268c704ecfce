using System.Reactive.Concurrency;
using System.Threading.Channels;
using RxSockets.Transport;

namespace RxSockets.Server;

/// <summary>
/// Queues one prepared frame on many connections (a broadcast or a topic publish) within each connection's outbound
/// budget (<see cref="WebSocketServerOptions.BroadcastQueueLimit"/> messages, <see cref="WebSocketServerOptions.BroadcastByteLimit"/>
/// bytes), applying <see cref="WebSocketServerOptions.BroadcastOverflow"/> to a connection over it and counting every
/// drop per connection, per topic and here. A <see cref="BroadcastOverflow.Wait"/> lasts at most
/// <see cref="WebSocketServerOptions.BroadcastWaitTimeout"/> on the connection's clock: a member that has not made room
/// by then is closed with 1013, so one stuck client cannot stall the publisher, and everyone behind it, for longer. Thread-safe and lock-free itself; the checks and the enqueue are not one
/// atomic step, so concurrent publishers may overshoot a budget by at most one message each.
/// </summary>
internal sealed class BroadcastGate(WebSocketServerOptions options)
{
    private readonly int _messageLimit = options.BroadcastQueueLimit > 0 ? options.BroadcastQueueLimit : options.SendQueueCapacity;
    private readonly long _byteLimit = options.BroadcastByteLimit > 0 ? options.BroadcastByteLimit : options.MaxQueuedBytes;
    private readonly BroadcastOverflow _overflow = options.BroadcastOverflow;
    private readonly TimeSpan _waitTimeout = options.BroadcastWaitTimeout;
    private readonly IScheduler _clock = options.Scheduler;
    private long _dropped;

    private enum Outcome
    {
        Queued,
        Dropped,
        MustWait,
    }

    /// <summary>Messages dropped by the overflow policy, over every connection and topic.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>Queues <paramref name="frame"/> on every open recipient that passes <paramref name="filter"/>.</summary>
    /// <returns>The number of connections the frame was queued on.</returns>
    public ValueTask<int> DeliverAsync(PreparedFrame frame, IEnumerable<WebSocketConnection> recipients,
        Func<WebSocketConnection, bool>? filter, CancellationToken cancellationToken) =>
        DeliverAsync(frame, recipients, filter, null, cancellationToken);

    /// <summary>Queues <paramref name="frame"/> on every open recipient that passes <paramref name="filter"/>; with a
    /// <paramref name="batch"/>, the recipients' idle writers are woken together by it rather than one by one.</summary>
    /// <returns>The number of connections the frame was queued on.</returns>
    public ValueTask<int> DeliverAsync(PreparedFrame frame, IEnumerable<WebSocketConnection> recipients,
        Func<WebSocketConnection, bool>? filter, WakeBatch? batch, CancellationToken cancellationToken)
    {
        // Not an async method: a broadcast that waits for nobody (the steady state) completes here without a state
        // machine.
        List<Task<bool>>? waiting = null;
        var delivered = 0;
        if (recipients is WebSocketConnection[] array)
        {
            // The server's broadcasts: an array walked by index, so no enumerator is allocated per broadcast.
            foreach (var connection in array)
            {
                Offer(connection, frame, filter, batch, ref delivered, ref waiting, cancellationToken);
            }
        }
        else
        {
            foreach (var connection in recipients)
            {
                Offer(connection, frame, filter, batch, ref delivered, ref waiting, cancellationToken);
            }
        }

        if (waiting is null)
        {
            return new ValueTask<int>(delivered);
        }

        batch?.RunClaimed();   // a member waited for may have its writer among the claimed ones
        return AddWaitedAsync(delivered, waiting);
    }

    private static async ValueTask<int> AddWaitedAsync(int delivered, List<Task<bool>> waiting)
    {
        foreach (var sent in await Task.WhenAll(waiting).ConfigureAwait(false))
        {
            delivered += sent ? 1 : 0;
        }

        return delivered;
    }

    private void Offer(WebSocketConnection connection, PreparedFrame frame, Func<WebSocketConnection, bool>? filter, WakeBatch? batch,
        ref int delivered, ref List<Task<bool>>? waiting, CancellationToken cancellationToken)
    {
        if (connection.State != ConnectionState.Open || (filter is not null && !filter(connection)))
        {
            return;
        }

        switch (TryOffer(connection.Driver, frame, batch))
        {
            case Outcome.Queued:
                delivered++;
                break;
            case Outcome.MustWait:
                (waiting ??= []).Add(WaitAndOfferAsync(connection.Driver, frame, cancellationToken));
                break;
        }
    }

    private Outcome TryOffer(ConnectionDriver driver, PreparedFrame frame, WakeBatch? batch = null)
    {
        if (WithinBudget(driver, frame))
        {
            // The send queue's reference, taken before the frame is visible to the writer, which releases it.
            frame.AddReference();
            if (batch is null)
            {
                if (driver.Outbox.TrySend(frame))
                {
                    return Outcome.Queued;
                }
            }
            else if (driver.Outbox.TrySendDeferred(frame, out var claimed))
            {
                if (claimed)
                {
                    batch.Add(driver);
                }

                return Outcome.Queued;
            }

            frame.Release();   // not queued; never the last reference (the broadcaster holds one)
        }

        if (driver.State != ConnectionState.Open)
        {
            return Outcome.Dropped;   // closing: nobody to deliver to, and not a policy drop
        }

        switch (_overflow)
        {
            case BroadcastOverflow.DropOldest:
                while (!WithinBudget(driver, frame) || !TrySendReferenced(driver, frame))
                {
                    if (!driver.Outbox.TryDropOldest(out var evicted))
                    {
                        // Only the connection's own messages are queued: those are never evicted, so the new one goes.
                        CountDrop(driver, frame, Diagnostics.RxSocketsMetrics.DropOldest);
                        return Outcome.Dropped;
                    }

                    CountEvicted(evicted);
                    evicted.Release();   // the reference its send queue held
                }

                return Outcome.Queued;
            case BroadcastOverflow.DropNewest:
                CountDrop(driver, frame, Diagnostics.RxSocketsMetrics.DropNewest);
                return Outcome.Dropped;
            case BroadcastOverflow.Disconnect:
                CountDrop(driver, frame, Diagnostics.RxSocketsMetrics.DisconnectPolicy);
                driver.Fail(new CloseStatus(CloseCode.TryAgainLater, "slow consumer: outbound budget exceeded"),
                    new InvalidOperationException("A broadcast found this connection's send queue over its budget (BroadcastOverflow.Disconnect)."));
                return Outcome.Dropped;
            default:
                return Outcome.MustWait;
        }
    }

    /// <summary>Queues with the send queue's reference taken, giving it back when the queue refuses.</summary>
    private static bool TrySendReferenced(ConnectionDriver driver, PreparedFrame frame)
    {
        frame.AddReference();
        if (driver.Outbox.TrySend(frame))
        {
            return true;
        }

        frame.Release();
        return false;
    }

    private async Task<bool> WaitAndOfferAsync(ConnectionDriver driver, PreparedFrame frame, CancellationToken cancellationToken)
    {
        if (_waitTimeout == Timeout.InfiniteTimeSpan)
        {
            return await WaitForRoomAsync(driver, frame, cancellationToken).ConfigureAwait(false);
        }

        // The bound runs on the connection's clock (virtual in tests), from the first wait to the message queued: a
        // member that takes a message now and then cannot stretch it.
        using var expiry = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var timer = _clock.Schedule(_waitTimeout, () => CancelQuietly(expiry));
        try
        {
            return await WaitForRoomAsync(driver, frame, expiry.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            if (driver.State != ConnectionState.Open)
            {
                return false;
            }

            CountDrop(driver, frame, Diagnostics.RxSocketsMetrics.WaitTimeout);
            driver.Fail(new CloseStatus(CloseCode.TryAgainLater, "slow consumer: no room for a broadcast in time"),
                new TimeoutException($"A broadcast waited {_waitTimeout} for room in this connection's send queue (BroadcastOverflow.Wait, BroadcastWaitTimeout)."));
            return false;
        }
    }

    /// <summary>The timer's end of the bound: a wait that ended (and disposed the source) just as the timer fired
    /// has nothing left to cancel, and a timer callback must not throw.</summary>
    private static void CancelQuietly(CancellationTokenSource source)
    {
        try
        {
            source.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // The wait is over already.
        }
    }

    private async Task<bool> WaitForRoomAsync(ConnectionDriver driver, PreparedFrame frame, CancellationToken cancellationToken)
    {
        while (true)
        {
            try
            {
                await driver.Outbox.WaitForDequeueAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (ChannelClosedException)
            {
                return false;
            }

            switch (TryOffer(driver, frame))
            {
                case Outcome.Queued:
                    return true;
                case Outcome.Dropped:
                    return false;
            }
        }
    }

    private bool WithinBudget(ConnectionDriver driver, PreparedFrame frame)
    {
        var queued = driver.Outbox.Count;
        if (queued == 0)
        {
            return true;   // an empty queue takes any message, however large: it could never go out otherwise
        }

        return queued < _messageLimit && driver.Outbox.BufferedAmount + frame.PayloadLength <= _byteLimit;
    }

    private void CountDrop(ConnectionDriver driver, PreparedFrame frame, string policy)
    {
        driver.Outbox.CountDroppedOutgoing(policy);
        CountEvicted(frame);
    }

    private void CountEvicted(PreparedFrame frame)
    {
        Interlocked.Increment(ref _dropped);
        frame.DropCounter?.CountDrop();
    }
}
