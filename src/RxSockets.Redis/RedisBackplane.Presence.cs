using System.Globalization;
using RxSockets.Scaling;
using StackExchange.Redis;

namespace RxSockets.Redis;

// Presence: topic members per node, the cluster's member and client counts, and writing them again after an outage.
public sealed partial class RedisBackplane
{
    /// <inheritdoc />
    /// <remarks>The node remembers its members: after an outage it writes them again, so a join that threw
    /// <see cref="BackplaneUnavailableException"/> still reaches the cluster once Redis is back (until the matching
    /// <see cref="LeaveAsync"/>).</remarks>
    public async ValueTask JoinAsync(string topic, long connectionId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(topic);
        EnsureStarted();
        _joined[(topic, connectionId)] = 0;
        EnsureConnected();
        await RunAsync(ChangePresenceAsync(topic, connectionId, joined: true), cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask LeaveAsync(string topic, long connectionId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(topic);
        EnsureStarted();
        _joined.TryRemove((topic, connectionId), out _);
        EnsureConnected();
        await RunAsync(ChangePresenceAsync(topic, connectionId, joined: false), cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask<IReadOnlyList<ClusterMember>> GetMembersAsync(string topic, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(topic);
        EnsureStarted();
        EnsureConnected();
        var result = await RunAsync(
            Database.ScriptEvaluateAsync(RedisScripts.Members, [TopicKey(topic, "presence"), _nodesKey], [NodeTimeoutMs, "list"]),
            cancellationToken).ConfigureAwait(false);
        var members = new List<ClusterMember>();
        foreach (var field in (string[])result!)
        {
            if (TrySplitMember(field, out var node, out var id))
            {
                members.Add(new ClusterMember(node, id));
            }
        }

        return members;
    }

    /// <inheritdoc />
    public async ValueTask<long> GetMemberCountAsync(string topic, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(topic);
        EnsureStarted();
        EnsureConnected();
        var result = await RunAsync(
            Database.ScriptEvaluateAsync(RedisScripts.Members, [TopicKey(topic, "presence"), _nodesKey], [NodeTimeoutMs, "count"]),
            cancellationToken).ConfigureAwait(false);
        return (long)result;
    }

    /// <inheritdoc />
    public async ValueTask<long> GetClientCountAsync(CancellationToken cancellationToken)
    {
        EnsureStarted();
        EnsureConnected();
        var result = await RunAsync(
            Database.ScriptEvaluateAsync(RedisScripts.Clients, [_nodesKey, _clientsKey], [NodeTimeoutMs]),
            cancellationToken).ConfigureAwait(false);
        return (long)result;
    }

    /// <summary>Makes Redis hold exactly this node's members: writes every remembered one again (announcing those that
    /// were missing) and removes those Redis holds but the node does not.</summary>
    private async Task SyncPresenceAsync()
    {
        var stored = await Database.SetMembersAsync(_nodePresenceKey).ConfigureAwait(false);
        var work = new List<Func<Task>>();
        foreach (var value in stored)
        {
            if (TrySplitMember((string)value!, out var topic, out var id) && !_joined.ContainsKey((topic, id)))
            {
                work.Add(async () =>
                {
                    await ChangePresenceAsync(topic, id, joined: false).ConfigureAwait(false);
                    if (_joined.ContainsKey((topic, id)))
                    {
                        // joined while it was taken out: write it back
                        await ChangePresenceAsync(topic, id, joined: true).ConfigureAwait(false);
                    }
                });
            }
        }

        foreach (var (topic, id) in _joined.Keys)
        {
            work.Add(async () =>
            {
                await ChangePresenceAsync(topic, id, joined: true).ConfigureAwait(false);
                if (!_joined.ContainsKey((topic, id)))
                {
                    // left while it was written again: take it back out
                    await ChangePresenceAsync(topic, id, joined: false).ConfigureAwait(false);
                }
            });
        }

        for (var start = 0; start < work.Count; start += PresenceBatch)
        {
            await Task.WhenAll(work.Skip(start).Take(PresenceBatch).Select(item => item())).ConfigureAwait(false);
        }
    }

    private Task<RedisResult> ChangePresenceAsync(string topic, long connectionId, bool joined)
    {
        var id = connectionId.ToString(CultureInfo.InvariantCulture);
        RedisKey[] keys = [TopicKey(topic, "presence"), _nodePresenceKey];
        RedisValue[] arguments =
        [
            NodeId + "|" + id,
            topic + "|" + id,
            _prefix + ":presence",
            RedisFrames.EncodeMembership(joined, NodeId, connectionId, topic),
        ];
        return Database.ScriptEvaluateAsync(joined ? RedisScripts.Join : RedisScripts.Leave, keys, arguments);
    }

    /// <summary>Splits "a|123" at its last '|'.</summary>
    private static bool TrySplitMember(string value, out string head, out long id)
    {
        head = string.Empty;
        id = 0;
        var bar = value.LastIndexOf('|');
        if (bar < 0 || !long.TryParse(value.AsSpan(bar + 1), NumberStyles.None, CultureInfo.InvariantCulture, out id))
        {
            return false;
        }

        head = value[..bar];
        return true;
    }
}
