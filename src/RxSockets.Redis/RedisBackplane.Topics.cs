using System.Globalization;
using RxSockets.Scaling;
using StackExchange.Redis;

namespace RxSockets.Redis;

// Topics: subscriptions per topic, publishing through the Lua script, history reads and broadcasts.
public sealed partial class RedisBackplane
{
    /// <inheritdoc />
    public async ValueTask SubscribeAsync(string topic, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(topic);
        EnsureStarted();
        var channel = TopicChannel(topic);
        if (_subscriptions.ContainsKey(channel))
        {
            return;
        }

        await _subscriptionLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (!_subscriptions.ContainsKey(channel))
            {
                EnsureStarted();
                EnsureConnected();
                await SubscribeChannelAsync(RedisChannel.Literal(channel), frame => OnPublicationFrameAsync(topic, frame), cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            _subscriptionLock.Release();
        }
    }

    /// <inheritdoc />
    public async ValueTask UnsubscribeAsync(string topic, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(topic);
        var channel = TopicChannel(topic);
        if (Volatile.Read(ref _state) == Disposed || !_subscriptions.ContainsKey(channel))
        {
            return;
        }

        await _subscriptionLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_subscriptions.TryRemove(channel, out var subscription))
            {
                await RetireAsync(subscription).ConfigureAwait(false);
            }
        }
        finally
        {
            _subscriptionLock.Release();
        }
    }

    /// <inheritdoc />
    public async ValueTask<TopicPosition> PublishAsync(string topic, BackplaneMessage message, TopicHistoryLimits history, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(topic);
        ArgumentNullException.ThrowIfNull(message);
        ArgumentOutOfRangeException.ThrowIfNegative(history.Size, nameof(history));
        ArgumentOutOfRangeException.ThrowIfLessThan(history.Ttl, TimeSpan.Zero, nameof(history));
        EnsureStarted();
        var started = RedisMetrics.Start();   // one method, not a wrapper: no extra state machine per publish
        try
        {
            EnsureConnected();
            RedisKey[] keys = [TopicKey(topic, "meta"), TopicKey(topic, "history")];
            RedisValue[] arguments =
            [
                NewId(),
                history.Size,
                (long)Math.Ceiling(history.Ttl.TotalMilliseconds),
                NodeId,
                message.Except is { } except ? except.ToString(CultureInfo.InvariantCulture) : string.Empty,
                RedisFrames.TypeText(message.Message.Type),
                message.Message.Data,
                TopicChannel(topic),
            ];
            var result = await RunAsync(Database.ScriptEvaluateAsync(RedisScripts.Publish, keys, arguments), cancellationToken).ConfigureAwait(false);
            var parts = (RedisResult[])result!;
            RedisMetrics.Published(RedisMetrics.Publish, started);
            return new TopicPosition((long)parts[0], (string)parts[1]!);
        }
        catch (Exception error) when (error is not OperationCanceledException)
        {
            RedisMetrics.PublishFailed(RedisMetrics.Publish, error);
            throw;
        }
    }

    /// <inheritdoc />
    public async ValueTask<TopicHistoryPage> ReadHistoryAsync(string topic, TopicPosition since, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(topic);
        EnsureStarted();
        EnsureConnected();
        var parts = await ReadAsync(topic, since.Offset < 0 ? 0 : since.Offset, since.Epoch ?? string.Empty, cancellationToken).ConfigureAwait(false);
        var position = new TopicPosition((long)parts[0], (string)parts[1]!);
        if ((long)parts[2] != 1)
        {
            return new TopicHistoryPage(position, [], Complete: false);
        }

        var publications = new List<TopicPublication>();
        if (parts.Length > 3)
        {
            foreach (var entry in (RedisResult[])parts[3]!)
            {
                if (!TryReadEntry(topic, entry, position.Epoch, out var publication))
                {
                    Log.MalformedHistory(_logger, NodeId, topic);
                    return new TopicHistoryPage(position, [], Complete: false);
                }

                publications.Add(publication);
            }
        }

        return new TopicHistoryPage(position, publications, Complete: true);
    }

    /// <inheritdoc />
    public async ValueTask<TopicPosition> GetPositionAsync(string topic, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(topic);
        EnsureStarted();
        EnsureConnected();
        var parts = await ReadAsync(topic, -1, string.Empty, cancellationToken).ConfigureAwait(false);
        return new TopicPosition((long)parts[0], (string)parts[1]!);
    }

    /// <inheritdoc />
    public async ValueTask BroadcastAsync(BackplaneMessage message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        EnsureStarted();
        var started = RedisMetrics.Start();
        try
        {
            EnsureConnected();
            var frame = RedisFrames.EncodeBroadcast(NodeId, message.Except, message.Filter, message.Message);
            await RunAsync(Database.PublishAsync(_broadcastChannel, frame), cancellationToken).ConfigureAwait(false);
            RedisMetrics.Published(RedisMetrics.Broadcast, started);
        }
        catch (Exception error) when (error is not OperationCanceledException)
        {
            RedisMetrics.PublishFailed(RedisMetrics.Broadcast, error);
            throw;
        }
    }

    private async Task<RedisResult[]> ReadAsync(string topic, long since, string epoch, CancellationToken cancellationToken)
    {
        RedisKey[] keys = [TopicKey(topic, "meta"), TopicKey(topic, "history")];
        var result = await RunAsync(
            Database.ScriptEvaluateAsync(RedisScripts.Read, keys, [NewId(), since, epoch]),
            cancellationToken).ConfigureAwait(false);
        return (RedisResult[])result!;
    }

    private static bool TryReadEntry(string topic, RedisResult entry, string epoch, out TopicPublication publication)
    {
        publication = default;
        var parts = (RedisResult[])entry!;
        if (parts.Length != 2)
        {
            return false;
        }

        var id = (string)parts[0]!;
        var dash = id.IndexOf('-', StringComparison.Ordinal);
        if (dash <= 0 || !long.TryParse(id.AsSpan(0, dash), NumberStyles.None, CultureInfo.InvariantCulture, out var offset))
        {
            return false;
        }

        var fields = (RedisResult[])parts[1]!;
        byte[]? data = null;
        string? type = null;
        string? node = null;
        long? except = null;
        for (var i = 0; i + 1 < fields.Length; i += 2)
        {
            switch ((string)fields[i]!)
            {
                case "x":
                    except = long.TryParse((string?)fields[i + 1], NumberStyles.None, CultureInfo.InvariantCulture, out var skipped) ? skipped : null;
                    break;
                case "d":
                    data = (byte[])fields[i + 1]! ?? [];
                    break;
                case "y":
                    type = (string)fields[i + 1]!;
                    break;
                case "n":
                    node = (string)fields[i + 1]!;
                    break;
            }
        }

        if (data is null || node is null)
        {
            return false;
        }

        if (type is not { Length: 1 } || !RedisFrames.TryCreateMessage((byte)type[0], data, out var message))
        {
            return false;
        }

        publication = new TopicPublication(topic, offset, epoch, message, node) { Except = except };
        return true;
    }

    private string TopicChannel(string topic) => _prefix + ":t:" + topic + ":pub";

    private RedisKey TopicKey(string topic, string part) => new(_prefix + ":t:" + topic + ":" + part);
}
