using StackExchange.Redis;

namespace RxSockets.Redis;

// Liveness: this node's heartbeat and the reaping of nodes whose heartbeat stopped.
public sealed partial class RedisBackplane
{
    private async Task HeartbeatLoopAsync()
    {
        try
        {
            using var timer = new PeriodicTimer(_options.HeartbeatInterval, _options.TimeProvider);
            while (await timer.WaitForNextTickAsync(_stopping.Token).ConfigureAwait(false))
            {
                await HeartbeatOnceAsync().ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
        }
        catch (Exception error)
        {
            Log.BackgroundFailed(_logger, NodeId, error);
        }
    }

    private async Task HeartbeatOnceAsync()
    {
        var connection = _connection;
        if (connection is null || _stopping.IsCancellationRequested)
        {
            return;
        }

        if (connection.IsConnected)
        {
            try
            {
                if (await WriteHeartbeatAsync(CancellationToken.None).ConfigureAwait(false))
                {
                    Log.Reregistered(_logger, NodeId, _joined.Count);
                    await SyncPresenceAsync().ConfigureAwait(false);
                }

                await ReapDeadNodesAsync().ConfigureAwait(false);
            }
            catch (Exception error)
            {
                Log.HeartbeatFailed(_logger, NodeId, error);
            }
        }

        if (Volatile.Read(ref _lost) == 1 && connection.IsConnected)
        {
            StartRestoring();
        }
    }

    /// <summary>Writes the heartbeat; true when the node was not registered before.</summary>
    private async Task<bool> WriteHeartbeatAsync(CancellationToken cancellationToken)
    {
        var clients = 0;
        try
        {
            clients = _handler?.LocalClientCount ?? 0;
        }
        catch (Exception error)
        {
            Log.HandlerFailed(_logger, NodeId, error);
        }

        var added = await RunAsync(
            Database.ScriptEvaluateAsync(RedisScripts.Heartbeat, [_nodesKey, _clientsKey], [NodeId, clients]),
            cancellationToken).ConfigureAwait(false);
        return (long)added == 1;
    }

    private async Task ReapDeadNodesAsync()
    {
        var reaped = new Dictionary<string, long>(StringComparer.Ordinal);
        for (var round = 0; round < 1000 && !_stopping.IsCancellationRequested; round++)
        {
            var parts = (RedisResult[])(await Database.ScriptEvaluateAsync(
                RedisScripts.RemoveNode, [], [_prefix, NodeTimeoutMs, RemoveBatch, string.Empty]).ConfigureAwait(false))!;
            var node = (string)parts[0]!;
            if (node.Length == 0)
            {
                break;
            }

            reaped[node] = reaped.GetValueOrDefault(node) + (long)parts[1];
        }

        foreach (var (node, members) in reaped)
        {
            Log.NodeReaped(_logger, NodeId, node, members);
        }
    }

    /// <summary>Removes a node's members (announcing the leaves) and its registry entries; returns how many members.</summary>
    private async ValueTask<long> RemoveNodeAsync(string node, CancellationToken cancellationToken)
    {
        long removed = 0;
        while (true)
        {
            var parts = (RedisResult[])(await RunAsync(
                Database.ScriptEvaluateAsync(RedisScripts.RemoveNode, [], [_prefix, NodeTimeoutMs, RemoveBatch, node]),
                cancellationToken).ConfigureAwait(false))!;
            removed += (long)parts[1];
            if ((long)parts[2] == 1)
            {
                return removed;
            }
        }
    }
}
