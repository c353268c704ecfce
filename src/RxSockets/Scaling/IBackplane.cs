namespace RxSockets.Scaling;

/// <summary>
/// The seam that makes several <see cref="WebSocketServer"/> nodes one server: topics, broadcasts, presence and topic
/// history go through it. <see cref="InProcessBackplane"/> (the default) keeps everything in this process; the
/// <c>RxSockets.Redis</c> package spreads it over Redis. A backplane instance is one node: give each server its own.
/// </summary>
/// <remarks>
/// <para><b>Contract.</b> After <see cref="StartAsync"/>, the backplane calls its <see cref="IBackplaneHandler"/>:</para>
/// <list type="bullet">
/// <item><see cref="IBackplaneHandler.OnPublicationAsync"/> for every publication of every topic this node subscribed to,
/// this node's own included, one topic's publications one at a time in offset order (it awaits each call), each once
/// while the backplane is reachable; and, optionally, <see cref="IBackplaneHandler.OnPublicationsDrained"/> once no more is
/// waiting.</item>
/// <item><see cref="IBackplaneHandler.OnBroadcastAsync"/> for every broadcast made on another node (not this node's
/// own: the server delivers those itself), one sender node's in the order they were made.</item>
/// <item><see cref="IBackplaneHandler.OnMembership"/> for joins and leaves on other nodes, including the leaves of a
/// node declared dead.</item>
/// <item><see cref="IBackplaneHandler.OnConnectionLost"/> and <see cref="IBackplaneHandler.OnConnectionRestored"/> when
/// the link to the cluster breaks and comes back.</item>
/// </list>
/// <para>Methods other than <see cref="StartAsync"/> may be called from any thread, concurrently. A method that cannot
/// reach the cluster throws <see cref="BackplaneUnavailableException"/>.</para>
/// </remarks>
public interface IBackplane : IAsyncDisposable
{
    /// <summary>This node's id, unique in the cluster (connections are told apart by node and
    /// <see cref="WebSocketConnection.Id"/>).</summary>
    string NodeId { get; }

    /// <summary>Connects to the cluster and starts calling <paramref name="handler"/>; called once, by the server.</summary>
    /// <param name="handler">Where deliveries and events go.</param>
    /// <param name="cancellationToken">Cancels the start.</param>
    /// <exception cref="BackplaneUnavailableException">The cluster cannot be reached.</exception>
    ValueTask StartAsync(IBackplaneHandler handler, CancellationToken cancellationToken);

    /// <summary>Starts delivering <paramref name="topic"/>'s publications to this node; completes once none published
    /// after it can be missed. Idempotent.</summary>
    ValueTask SubscribeAsync(string topic, CancellationToken cancellationToken);

    /// <summary>Stops delivering <paramref name="topic"/>'s publications to this node. Idempotent.</summary>
    ValueTask UnsubscribeAsync(string topic, CancellationToken cancellationToken);

    /// <summary>Publishes to a topic on every node: assigns the next offset (starting the topic's epoch when it has none),
    /// keeps the publication in the history as <paramref name="history"/> says, and delivers it to every subscribed node,
    /// this one included.</summary>
    /// <param name="topic">The topic's name.</param>
    /// <param name="message">The message, with this node as its origin.</param>
    /// <param name="history">The topic's history bounds.</param>
    /// <param name="cancellationToken">Cancels the publish.</param>
    /// <returns>The publication's position.</returns>
    ValueTask<TopicPosition> PublishAsync(string topic, BackplaneMessage message, TopicHistoryLimits history, CancellationToken cancellationToken);

    /// <summary>Reads the publications of <paramref name="topic"/> after <paramref name="since"/>, from its history.</summary>
    /// <param name="topic">The topic's name.</param>
    /// <param name="since">The last position the reader has.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The topic's current position and, when the epoch is <paramref name="since"/>'s and the history reaches
    /// back to the publication right after it, every publication after it (<see cref="TopicHistoryPage.Complete"/>).</returns>
    ValueTask<TopicHistoryPage> ReadHistoryAsync(string topic, TopicPosition since, CancellationToken cancellationToken);

    /// <summary>The topic's current position (the last offset and the epoch), starting its epoch when it has none.</summary>
    ValueTask<TopicPosition> GetPositionAsync(string topic, CancellationToken cancellationToken);

    /// <summary>Sends a broadcast to every other node.</summary>
    ValueTask BroadcastAsync(BackplaneMessage message, CancellationToken cancellationToken);

    /// <summary>Records that this node's connection <paramref name="connectionId"/> joined <paramref name="topic"/>
    /// and tells the other nodes.</summary>
    ValueTask JoinAsync(string topic, long connectionId, CancellationToken cancellationToken);

    /// <summary>Records that this node's connection <paramref name="connectionId"/> left <paramref name="topic"/> and
    /// tells the other nodes.</summary>
    ValueTask LeaveAsync(string topic, long connectionId, CancellationToken cancellationToken);

    /// <summary>The topic's members on every live node.</summary>
    ValueTask<IReadOnlyList<ClusterMember>> GetMembersAsync(string topic, CancellationToken cancellationToken);

    /// <summary>The number of the topic's members on every live node.</summary>
    ValueTask<long> GetMemberCountAsync(string topic, CancellationToken cancellationToken);

    /// <summary>The number of clients on every live node (each node's <see cref="IBackplaneHandler.LocalClientCount"/>,
    /// as of its last heartbeat).</summary>
    ValueTask<long> GetClientCountAsync(CancellationToken cancellationToken);
}
