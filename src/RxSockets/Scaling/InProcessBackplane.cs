using System.Collections.Concurrent;

namespace RxSockets.Scaling;

/// <summary>
/// The default <see cref="IBackplane"/>: one node, no external service. Topics still get offsets, an epoch and, when a
/// topic asks for it, a bounded history in memory, so members can join from a position on a single node exactly as on a
/// cluster. A publication is delivered to this node's members inline, before <see cref="PublishAsync"/> completes.
/// </summary>
/// <remarks>Several nodes may share one <see cref="InProcessCluster"/> (for tests of cluster behaviour without
/// Redis); by default each backplane is a cluster of its own.</remarks>
public sealed class InProcessBackplane : IBackplane
{
    private readonly InProcessCluster _cluster;
    private IBackplaneHandler? _handler;
    private int _disposed;

    /// <summary>A single-node backplane.</summary>
    public InProcessBackplane()
        : this(new InProcessCluster())
    {
    }

    /// <summary>A node of <paramref name="cluster"/>.</summary>
    /// <param name="cluster">The cluster it shares with other nodes in this process.</param>
    /// <param name="nodeId">The node's id; null for a fresh one.</param>
    public InProcessBackplane(InProcessCluster cluster, string? nodeId = null)
    {
        ArgumentNullException.ThrowIfNull(cluster);
        _cluster = cluster;
        NodeId = nodeId ?? Guid.NewGuid().ToString("N")[..12];
    }

    /// <inheritdoc />
    public string NodeId { get; }

    internal IBackplaneHandler Handler => _handler ?? throw new InvalidOperationException("The backplane is not started.");

    /// <inheritdoc />
    public ValueTask StartAsync(IBackplaneHandler handler, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(handler);
        if (Interlocked.CompareExchange(ref _handler, handler, null) is not null)
        {
            throw new InvalidOperationException("The backplane is already started: give each server its own.");
        }

        _cluster.Add(this);
        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public ValueTask SubscribeAsync(string topic, CancellationToken cancellationToken)
    {
        _cluster.Topic(topic).Subscribe(this);
        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public ValueTask UnsubscribeAsync(string topic, CancellationToken cancellationToken)
    {
        _cluster.Topic(topic).Unsubscribe(this);
        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public ValueTask<TopicPosition> PublishAsync(string topic, BackplaneMessage message, TopicHistoryLimits history, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        return _cluster.Topic(topic).PublishAsync(message, history, cancellationToken);
    }

    /// <inheritdoc />
    public ValueTask<TopicHistoryPage> ReadHistoryAsync(string topic, TopicPosition since, CancellationToken cancellationToken) =>
        ValueTask.FromResult(_cluster.Topic(topic).Read(since));

    /// <inheritdoc />
    public ValueTask<TopicPosition> GetPositionAsync(string topic, CancellationToken cancellationToken) =>
        ValueTask.FromResult(_cluster.Topic(topic).Position);

    /// <inheritdoc />
    public async ValueTask BroadcastAsync(BackplaneMessage message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        foreach (var node in _cluster.Nodes)
        {
            if (node != this)
            {
                await node.Handler.OnBroadcastAsync(message).ConfigureAwait(false);
            }
        }
    }

    /// <inheritdoc />
    public ValueTask JoinAsync(string topic, long connectionId, CancellationToken cancellationToken)
    {
        _cluster.Topic(topic).Members.TryAdd(new ClusterMember(NodeId, connectionId), 0);
        _cluster.Announce(this, topic, new ClusterMember(NodeId, connectionId), joined: true);
        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public ValueTask LeaveAsync(string topic, long connectionId, CancellationToken cancellationToken)
    {
        if (_cluster.Topic(topic).Members.TryRemove(new ClusterMember(NodeId, connectionId), out _))
        {
            _cluster.Announce(this, topic, new ClusterMember(NodeId, connectionId), joined: false);
        }

        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<ClusterMember>> GetMembersAsync(string topic, CancellationToken cancellationToken) =>
        ValueTask.FromResult<IReadOnlyList<ClusterMember>>([.. _cluster.Topic(topic).Members.Keys.OrderBy(member => member.Node, StringComparer.Ordinal).ThenBy(member => member.ConnectionId)]);

    /// <inheritdoc />
    public ValueTask<long> GetMemberCountAsync(string topic, CancellationToken cancellationToken) =>
        ValueTask.FromResult((long)_cluster.Topic(topic).Members.Count);

    /// <inheritdoc />
    public ValueTask<long> GetClientCountAsync(CancellationToken cancellationToken) =>
        ValueTask.FromResult(_cluster.Nodes.Sum(node => (long)node.Handler.LocalClientCount));

    /// <summary>Leaves the cluster: this node's members leave every topic. Idempotent.</summary>
    public ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0 && _handler is not null)
        {
            _cluster.Remove(this);
        }

        return ValueTask.CompletedTask;
    }
}

/// <summary>The shared state of <see cref="InProcessBackplane"/> nodes that form one cluster in one process: topics
/// with their offsets, epochs, histories and members. Thread-safe.</summary>
public sealed class InProcessCluster
{
    private readonly ConcurrentDictionary<string, InProcessTopic> _topics = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();
    private InProcessBackplane[] _nodes = [];

    /// <summary>A cluster whose history ages on <paramref name="time"/>.</summary>
    /// <param name="time">The clock of <see cref="TopicOptions.HistoryTtl"/>; null for the system clock.</param>
    public InProcessCluster(TimeProvider? time = null) => Time = time ?? TimeProvider.System;

    internal TimeProvider Time { get; }

    internal InProcessBackplane[] Nodes => Volatile.Read(ref _nodes);

    /// <summary>Forgets a topic's history, as a backplane that lost its data does: the topic starts a new epoch.</summary>
    /// <param name="topic">The topic's name.</param>
    public void LoseHistory(string topic) => Topic(topic).LoseHistory();

    internal InProcessTopic Topic(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return _topics.TryGetValue(name, out var topic) ? topic : _topics.GetOrAdd(name, key => new InProcessTopic(key, this));
    }

    internal void Add(InProcessBackplane node)
    {
        lock (_gate)
        {
            _nodes = [.. _nodes, node];
        }
    }

    internal void Remove(InProcessBackplane node)
    {
        lock (_gate)
        {
            _nodes = [.. _nodes.Where(other => other != node)];
        }

        foreach (var topic in _topics.Values)
        {
            topic.Unsubscribe(node);
            foreach (var member in topic.Members.Keys.Where(member => member.Node == node.NodeId))
            {
                if (topic.Members.TryRemove(member, out _))
                {
                    Announce(node, topic.Name, member, joined: false);
                }
            }
        }
    }

    internal void Announce(InProcessBackplane from, string topic, ClusterMember member, bool joined)
    {
        foreach (var node in Nodes)
        {
            if (node != from)
            {
                node.Handler.OnMembership(topic, member, joined);
            }
        }
    }
}

/// <summary>One topic of an <see cref="InProcessCluster"/>: publications are numbered and delivered one at a time, so
/// every node sees them in offset order.</summary>
#pragma warning disable CA1001 // The semaphore never makes a wait handle: nothing to dispose.
internal sealed class InProcessTopic(string name, InProcessCluster cluster)
#pragma warning restore CA1001
{
    private readonly SemaphoreSlim _publishing = new(1, 1);
    private readonly Lock _gate = new();
    private readonly Queue<(TopicPublication Publication, long Timestamp)> _history = new();
    private InProcessBackplane[] _subscribers = [];
    private string _epoch = NewEpoch();
    private long _offset;
    private TimeSpan _ttl;

    public string Name { get; } = name;

    public ConcurrentDictionary<ClusterMember, byte> Members { get; } = new();

    public TopicPosition Position
    {
        get
        {
            lock (_gate)
            {
                return new TopicPosition(_offset, _epoch);
            }
        }
    }

    public void Subscribe(InProcessBackplane node)
    {
        lock (_gate)
        {
            if (!_subscribers.Contains(node))
            {
                _subscribers = [.. _subscribers, node];
            }
        }
    }

    public void Unsubscribe(InProcessBackplane node)
    {
        lock (_gate)
        {
            _subscribers = [.. _subscribers.Where(other => other != node)];
        }
    }

    public async ValueTask<TopicPosition> PublishAsync(BackplaneMessage message, TopicHistoryLimits history, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        await _publishing.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            TopicPublication publication;
            InProcessBackplane[] subscribers;
            lock (_gate)
            {
                publication = new TopicPublication(Name, ++_offset, _epoch, message.Message, message.Node) { Except = message.Except };
                if (history.Size > 0)
                {
                    _history.Enqueue((publication, cluster.Time.GetTimestamp()));
                    while (_history.Count > history.Size)
                    {
                        _history.Dequeue();
                    }

                    // Age is checked on read too; trimming here only bounds what an idle expired history keeps.
                    _ttl = history.Ttl;
                    TrimExpired();
                }
                else
                {
                    _history.Clear();
                }

                subscribers = _subscribers;
            }

            foreach (var node in subscribers)
            {
                // No OnPublicationsDrained: publishers call in one by one, so the node's thread-pool wake-up, which
                // runs after the publisher's next publications, batches better than a run of one would.
                await node.Handler.OnPublicationAsync(publication).ConfigureAwait(false);
            }

            return publication.Position;
        }
        finally
        {
            _publishing.Release();
        }
    }

    public TopicHistoryPage Read(TopicPosition since)
    {
        lock (_gate)
        {
            TrimExpired();
            var position = new TopicPosition(_offset, _epoch);
            if (since.Offset == _offset && (since.Epoch == _epoch || _offset == 0))
            {
                return new TopicHistoryPage(position, [], Complete: true);
            }

            if (since.Epoch != _epoch || since.Offset > _offset || _history.Count == 0 || _history.Peek().Publication.Offset > since.Offset + 1)
            {
                return new TopicHistoryPage(position, [], Complete: false);
            }

            return new TopicHistoryPage(position, [.. _history.Select(entry => entry.Publication).Where(publication => publication.Offset > since.Offset)], Complete: true);
        }
    }

    public void LoseHistory()
    {
        lock (_gate)
        {
            _history.Clear();
            _epoch = NewEpoch();
        }
    }

    private void TrimExpired()
    {
        if (_ttl <= TimeSpan.Zero)
        {
            return;
        }

        var now = cluster.Time.GetTimestamp();
        while (_history.Count > 0 && cluster.Time.GetElapsedTime(_history.Peek().Timestamp, now) >= _ttl)
        {
            _history.Dequeue();
        }
    }

    private static string NewEpoch() => Guid.NewGuid().ToString("N")[..8];
}
