using System.Collections.Concurrent;
using RxSockets.Scaling;
using StackExchange.Redis;

namespace RxSockets.Redis;

// Restoration after an outage: register again, prove every subscription live by a probe, then tell the handler.
public sealed partial class RedisBackplane
{
    /// <summary>Runs a restoration in the background unless one is running (never on the heartbeat's own time: a long
    /// restoration must not stop the heartbeat, or the other nodes would declare this one dead).</summary>
    private void StartRestoring()
    {
        lock (_restoreGate)
        {
            if (_restoring.IsCompleted)
            {
                _restoring = Task.Run(RestoreAsync, CancellationToken.None);
            }
        }
    }

    /// <summary>After an outage: registers the node and its members again, proves every subscription live, then tells
    /// the handler. One at a time (<see cref="StartRestoring"/>); a failed attempt is retried on the next heartbeat or
    /// restored connection.</summary>
    private async Task RestoreAsync()
    {
        try
        {
            while (Volatile.Read(ref _lost) == 1 && Volatile.Read(ref _state) == Started && !_crashed
                && _connection is { IsConnected: true })
            {
                var failures = Interlocked.Read(ref _failures);
                try
                {
                    await WriteHeartbeatAsync(CancellationToken.None).ConfigureAwait(false);
                    await SyncPresenceAsync().ConfigureAwait(false);
                    await ProveSubscriptionsAsync().ConfigureAwait(false);
                }
                catch (Exception error)
                {
                    Log.RestoreFailed(_logger, NodeId, error);
                    return;
                }

                if (Interlocked.Read(ref _failures) != failures)
                {
                    continue;
                }

                if (Interlocked.CompareExchange(ref _lost, 0, 1) == 1)
                {
                    Log.ConnectionRestored(_logger, NodeId);
                    RedisMetrics.Restored();
                    try
                    {
                        _handler?.OnConnectionRestored();
                    }
                    catch (Exception error)
                    {
                        Log.HandlerFailed(_logger, NodeId, error);
                    }
                }

                return;
            }
        }
        catch (Exception error)
        {
            Log.RestoreFailed(_logger, NodeId, error);
        }
    }

    /// <summary>Sends a probe on every subscribed channel and waits for each to come back through its pump; a channel
    /// whose probe does not come back is subscribed again (once) and probed again.</summary>
    private async Task ProveSubscriptionsAsync()
    {
        var failed = new ConcurrentBag<ChannelSubscription>();
        await Task.WhenAll(_subscriptions.Values.Select(async subscription =>
        {
            if (!await ProbeAsync(subscription).ConfigureAwait(false))
            {
                failed.Add(subscription);
            }
        })).ConfigureAwait(false);
        foreach (var subscription in failed)
        {
            if (_connection is not { IsConnected: true })
            {
                throw new BackplaneUnavailableException($"Redis at {_endPoint} is unreachable again.");
            }

            if (!_subscriber!.IsConnected(subscription.Channel))
            {
                throw new BackplaneUnavailableException($"Redis at {_endPoint}: the subscription connection is not back yet.");
            }

            Log.Resubscribing(_logger, NodeId, subscription.Name);
            await _subscriptionLock.WaitAsync().ConfigureAwait(false);
            try
            {
                if (_subscriptions.TryGetValue(subscription.Name, out var current) && current == subscription)
                {
                    // The retired subscription stays registered until a new one replaces it, so that a failure here
                    // leaves the channel to the next restoration attempt instead of dropping it.
                    await RetireAsync(subscription).ConfigureAwait(false);
                    await SubscribeChannelAsync(subscription.Channel, subscription.Deliver, CancellationToken.None).ConfigureAwait(false);
                }

                current = _subscriptions.GetValueOrDefault(subscription.Name);
                if (current is not null && !await ProbeAsync(current).ConfigureAwait(false))
                {
                    throw new BackplaneUnavailableException($"Redis at {_endPoint}: channel {subscription.Name} does not deliver.");
                }
            }
            finally
            {
                _subscriptionLock.Release();
            }
        }
    }

    private async Task<bool> ProbeAsync(ChannelSubscription subscription)
    {
        var nonce = NewId();
        var arrived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _probes[nonce] = arrived;
        try
        {
            await Database.PublishAsync(subscription.Channel, RedisFrames.EncodeProbe(NodeId, nonce)).ConfigureAwait(false);
            while (true)
            {
                // The probe queues behind whatever the channel delivered before it: while the pump gets through
                // that backlog (a slow handler), the subscription is alive, so the wait goes on.
                var delivered = subscription.Delivered;
                try
                {
                    await arrived.Task.WaitAsync(_options.ConnectTimeout, _stopping.Token).ConfigureAwait(false);
                    return true;
                }
                catch (TimeoutException) when (subscription.Delivered != delivered)
                {
                }
            }
        }
        catch (Exception error) when (error is TimeoutException || IsUnavailable(error))
        {
            return false;
        }
        finally
        {
            _probes.TryRemove(nonce, out _);
        }
    }
}
