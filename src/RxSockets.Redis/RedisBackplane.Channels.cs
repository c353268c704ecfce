using System.Diagnostics;
using System.Threading.Channels;
using RxSockets.Scaling;
using StackExchange.Redis;

namespace RxSockets.Redis;

// Pub/sub channels: one subscription and delivery pump per channel, and the frames they deliver.
public sealed partial class RedisBackplane
{
    /// <summary>Subscribes a control channel during <see cref="StartAsync"/>: the subscription connection may come up a
    /// moment after the interactive one, so an unavailable subscription is tried again (with a growing pause) until
    /// <see cref="RedisBackplaneOptions.ConnectTimeout"/> has passed since the start began.</summary>
    private async Task SubscribeWhileStartingAsync(RedisChannel channel, Func<ReadOnlyMemory<byte>, ValueTask> deliver, Stopwatch started, CancellationToken cancellationToken)
    {
        var pause = TimeSpan.FromMilliseconds(10);
        while (true)
        {
            try
            {
                await SubscribeChannelAsync(channel, deliver, cancellationToken).ConfigureAwait(false);
                return;
            }
            catch (BackplaneUnavailableException) when (started.Elapsed + pause < _options.ConnectTimeout)
            {
                await Task.Delay(pause, cancellationToken).ConfigureAwait(false);
                pause = TimeSpan.FromMilliseconds(Math.Min(pause.TotalMilliseconds * 2, 250));
            }
        }
    }

    private async Task SubscribeChannelAsync(RedisChannel channel, Func<ReadOnlyMemory<byte>, ValueTask> deliver, CancellationToken cancellationToken)
    {
        var name = channel.ToString();
        var subscriber = _subscriber!;
        var subscribing = subscriber.SubscribeAsync(channel);
        ChannelMessageQueue queue;
        try
        {
            queue = await subscribing.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // the subscription may still complete: drop it then
            _ = subscribing.ContinueWith(
                (task, state) =>
                {
                    if (task.IsCompletedSuccessfully)
                    {
                        Observe(task.Result.UnsubscribeAsync());
                    }
                    else
                    {
                        Forget((ISubscriber)state!, channel);
                    }
                },
                subscriber, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            throw;
        }
        catch (Exception error)
        {
            // A failed subscribe leaves its queue registered in the multiplexer, where nothing would ever read it.
            Forget(subscriber, channel);
            if (IsUnavailable(error))
            {
                throw Unavailable(error);
            }

            throw;
        }

        var previous = _retiredPumps.TryRemove(name, out var retired) ? retired : Task.CompletedTask;
        var subscription = new ChannelSubscription(channel, name, queue, deliver);
        subscription.Pump = Task.Run(() => PumpAsync(subscription, previous), CancellationToken.None);
        _subscriptions[name] = subscription;
    }

    /// <summary>Stops a subscription's deliveries and unsubscribes it; a later subscription of the same channel starts
    /// delivering only after this one's pump is done.</summary>
    private async Task RetireAsync(ChannelSubscription subscription)
    {
        await subscription.Stop.CancelAsync().ConfigureAwait(false);
        var pump = subscription.Pump;
        _retiredPumps[subscription.Name] = pump;
        _ = pump.ContinueWith(
            (_, state) => _retiredPumps.TryRemove(new KeyValuePair<string, Task>(((ChannelSubscription)state!).Name, pump)),
            subscription, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        try
        {
            await subscription.Queue.UnsubscribeAsync().WaitAsync(_options.ConnectTimeout).ConfigureAwait(false);
        }
        catch (Exception error)
        {
            // the queue is detached locally whatever the server said
            Log.BackgroundFailed(_logger, NodeId, error);
        }
    }

    private async Task PumpAsync(ChannelSubscription subscription, Task previous)
    {
        try
        {
            await previous.ConfigureAwait(false);
        }
        catch (Exception error)
        {
            Log.BackgroundFailed(_logger, NodeId, error);
        }

        var token = subscription.Stop.Token;
        while (!token.IsCancellationRequested)
        {
            ChannelMessage next;
            try
            {
                next = await subscription.Queue.ReadAsync(token).ConfigureAwait(false);
            }
            catch (Exception error) when (error is ChannelClosedException or OperationCanceledException)
            {
                return;
            }
            catch (Exception error)
            {
                Log.BackgroundFailed(_logger, NodeId, error);
                return;
            }

            if (token.IsCancellationRequested)
            {
                return;
            }

            ReadOnlyMemory<byte> frame = next.Message;
            try
            {
                if (!frame.IsEmpty && frame.Span[0] == RedisFrames.Probe)
                {
                    OnProbeFrame(frame.Span);
                }
                else
                {
                    await subscription.Deliver(frame).ConfigureAwait(false);
                    if (!(subscription.Queue.TryGetCount(out var waiting) && waiting > 0))
                    {
                        _handler!.OnPublicationsDrained();   // the end of a run: the node writes it in one go
                    }
                }
            }
            catch (Exception error)
            {
                Log.DeliveryFailed(_logger, NodeId, subscription.Name, error);
            }

            subscription.CountDelivered();
        }
    }

    private ValueTask OnPublicationFrameAsync(string topic, ReadOnlyMemory<byte> frame)
    {
        if (!RedisFrames.TryDecodePublication(frame, out var offset, out var epoch, out var message, out var node, out var except))
        {
            Log.MalformedFrame(_logger, NodeId, TopicChannel(topic));
            return ValueTask.CompletedTask;
        }

        return _handler!.OnPublicationAsync(new TopicPublication(topic, offset, epoch, message, node) { Except = except });
    }

    private ValueTask OnBroadcastFrameAsync(ReadOnlyMemory<byte> frame)
    {
        if (!RedisFrames.TryDecodeBroadcast(frame, out var node, out var except, out var filter, out var message))
        {
            Log.MalformedFrame(_logger, NodeId, _broadcastChannel.ToString());
            return ValueTask.CompletedTask;
        }

        return node == NodeId ? ValueTask.CompletedTask : _handler!.OnBroadcastAsync(new BackplaneMessage(message, node, except, filter));
    }

    private ValueTask OnMembershipFrameAsync(ReadOnlyMemory<byte> frame)
    {
        if (!RedisFrames.TryDecodeMembership(frame.Span, out var joined, out var node, out var id, out var topic))
        {
            Log.MalformedFrame(_logger, NodeId, _presenceChannel.ToString());
        }
        else if (node != NodeId)
        {
            _handler!.OnMembership(topic, new ClusterMember(node, id), joined);
        }

        return ValueTask.CompletedTask;
    }

    private void OnProbeFrame(ReadOnlySpan<byte> frame)
    {
        if (RedisFrames.TryDecodeProbe(frame, out var node, out var nonce) && node == NodeId && _probes.TryRemove(nonce, out var probe))
        {
            probe.TrySetResult();
        }
    }

    /// <summary>Drops every local registration of <paramref name="channel"/> in the multiplexer (this node holds at most
    /// one, and none when this is called); the server side needs no answer.</summary>
    private static void Forget(ISubscriber subscriber, RedisChannel channel)
    {
        try
        {
            Observe(subscriber.UnsubscribeAsync(channel));
        }
        catch (Exception error) when (error is RedisException or ObjectDisposedException)
        {
            // nothing registered is left behind either way
        }
    }

    private sealed class ChannelSubscription(RedisChannel channel, string name, ChannelMessageQueue queue, Func<ReadOnlyMemory<byte>, ValueTask> deliver)
    {
        public RedisChannel Channel { get; } = channel;

        public string Name { get; } = name;

        public ChannelMessageQueue Queue { get; } = queue;

        public Func<ReadOnlyMemory<byte>, ValueTask> Deliver { get; } = deliver;

        public CancellationTokenSource Stop { get; } = new();

        private long _delivered;

        public Task Pump { get; set; } = Task.CompletedTask;

        /// <summary>How many frames the pump has handled (progress, for probes).</summary>
        public long Delivered => Volatile.Read(ref _delivered);

        public void CountDelivered() => Interlocked.Increment(ref _delivered);
    }
}
