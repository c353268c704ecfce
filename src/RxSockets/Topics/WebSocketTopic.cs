using System.Collections.Concurrent;
using RxSockets.Reactive;
using RxSockets.Scaling;
using RxSockets.Topics;
using RxSockets.Transport;

namespace RxSockets;

/// <summary>
/// A named group of connections (a room, a channel, a ticker symbol): connections join and leave, and a message
/// published to the topic goes to every member, framed (and, under permessage-deflate, compressed) once per node for
/// all of that node's members. A connection leaves every topic when it closes. Get one with
/// <see cref="WebSocketServer.Topic"/>.
/// </summary>
/// <remarks>
/// <para><b>Offsets and history.</b> Every publication gets an offset, one more than the topic's previous one, and the
/// topic has an epoch that changes only when its history is lost (see <see cref="TopicPosition"/>). With
/// <see cref="TopicOptions.HistorySize"/> the topic keeps its last publications, so a member can
/// <see cref="JoinAsync"/> from the position it had and receive what it missed first, then live publications, with no
/// gap and no duplicate; when that is impossible the join says so (<see cref="TopicJoinResult.Gap"/>).</para>
/// <para><b>Several nodes.</b> With a cluster backplane (<see cref="WebSocketServerOptions.Backplane"/>) a publication
/// on any node reaches the members on every node, in the same order everywhere; <see cref="Membership"/> also reports
/// other nodes' joins and leaves, and <see cref="GetMembersAsync"/> lists the members of every node.</para>
/// <para><b>Thread safety.</b> Every member may be called from any thread. Joining and leaving take a short lock, so
/// that <see cref="Membership"/> reports changes one at a time, in order, with counts that match.</para>
/// <para><b>Slow members.</b> Publishing honours each member's outbound budget and
/// <see cref="WebSocketServerOptions.BroadcastOverflow"/>; the messages a policy drops are counted in
/// <see cref="DroppedMessages"/> and in each connection's <see cref="WebSocketConnection.DroppedOutgoing"/>.</para>
/// </remarks>
public sealed partial class WebSocketTopic : Transport.IDropCounter
{
    // This file: the topic's state and its members (join, leave). The other parts, in Topics/:
    // WebSocketTopic.Publishing.cs, .Recovery.cs (joining from a position, gaps) and .Backplane.cs.
    private readonly ConcurrentDictionary<long, TopicMember> _members = new();
    private readonly ConcurrentDictionary<long, TaskCompletionSource<int>> _own = new();
    private readonly ObserverList<TopicMembershipChange> _membership;
    private readonly ObserverList<TopicGap> _gaps;
    private readonly ObserverList<TopicPublication> _publications;
    private readonly ITopicNode _node;
    private readonly ITopicProtocol _protocol;
    private readonly TopicOptions _options;
    private readonly TopicHistoryLimits _history;
    private readonly Lock _changes = new();
    private readonly Lock _events = new();
    private readonly Lock _subscribing = new();
    private Task? _subscribed;
    private TopicPosition _position;
    private int _count;
    private int _protocolMembers;
    private long _dropped;

    internal WebSocketTopic(string name, ITopicNode node, ITopicProtocol protocol, TopicOptions? options, Action<Exception> onObserverFault)
    {
        Name = name;
        _node = node;
        _protocol = protocol;
        _options = options ?? new TopicOptions();
        _history = new TopicHistoryLimits(_options.HistorySize, _options.HistoryTtl);
        _membership = new ObserverList<TopicMembershipChange>(onObserverFault);
        _gaps = new ObserverList<TopicGap>(onObserverFault);
        _publications = new ObserverList<TopicPublication>(onObserverFault);
    }

    /// <summary>The topic's name (compared ordinally).</summary>
    public string Name { get; }

    /// <summary>The number of this node's members now.</summary>
    public int Count => Volatile.Read(ref _count);

    /// <summary>This node's members now (a snapshot); <see cref="GetMembersAsync"/> lists every node's.</summary>
    public IReadOnlyCollection<WebSocketConnection> Members => [.. _members.Values.Select(member => member.Connection)];

    /// <summary>Messages published to this topic that an overflow policy dropped for a slow member (as the newest, or
    /// later evicted as the oldest).</summary>
    public long DroppedMessages => Interlocked.Read(ref _dropped);

    /// <summary>The position of the last publication this node delivered (offset 0 and an empty epoch before the
    /// first).</summary>
    public TopicPosition Position
    {
        get
        {
            lock (_events)
            {
                return _position;
            }
        }
    }

    /// <summary>Every join and leave from now on, this node's and (with a cluster backplane) other nodes', with this
    /// node's member count right after it; hot, never completes. Observers are called one change at a time.</summary>
    public IObservable<TopicMembershipChange> Membership => _membership;

    /// <summary>Every publication this node delivers to its members, in offset order, as it is delivered; hot, never
    /// completes.</summary>
    public IObservable<TopicPublication> Publications => _publications;

    /// <summary>Every gap this node's members may have: a join whose missed publications could not be recovered, or a
    /// lost backplane (publications of other nodes missed); hot, never completes. Members are also sent
    /// <see cref="TopicOptions.GapNotice"/> when it is set.</summary>
    public IObservable<TopicGap> Gaps => _gaps;

    /// <summary>Adds an open connection to the topic; it stays until <see cref="Leave"/> or until it closes. It receives
    /// publications from now on (with a cluster backplane, from once this node's subscription to the topic is live:
    /// <see cref="JoinAsync"/> waits for that).</summary>
    /// <param name="connection">A connection of this topic's server.</param>
    /// <returns>True when it joined; false when it was already a member or is no longer open.</returns>
    public bool Join(WebSocketConnection connection)
    {
        ArgumentNullException.ThrowIfNull(connection);
        SubscribeInBackground();
        return Add(new TopicMember(connection));
    }

    /// <summary>Adds an open connection to the topic, from a position when one is given: the member first receives
    /// every publication after <paramref name="from"/> from the topic's history, then live publications, with no gap
    /// and no duplicate, also when it missed them on another node. When the history no longer reaches back to
    /// <paramref name="from"/>, or the epoch differs, the result's <see cref="TopicJoinResult.Gap"/> says so (and
    /// <see cref="Gaps"/> and <see cref="TopicOptions.GapNotice"/>), and the member goes on live.</summary>
    /// <param name="connection">A connection of this topic's server.</param>
    /// <param name="from">The last position the member had; null to join live only. An empty epoch with offset 0 asks
    /// for everything the history holds.</param>
    /// <param name="cancellationToken">Cancels the join (the connection is then not a member).</param>
    /// <returns>What the join did.</returns>
    /// <exception cref="BackplaneUnavailableException">The backplane cannot be reached to subscribe.</exception>
    public ValueTask<TopicJoinResult> JoinAsync(WebSocketConnection connection, TopicPosition? from = null, CancellationToken cancellationToken = default) =>
        JoinMemberAsync(connection, from, protocol: false, cancellationToken);

    /// <summary><see cref="JoinAsync(WebSocketConnection, TopicPosition?, CancellationToken)"/>, as a messaging-protocol
    /// member when <paramref name="protocol"/> is true (see <see cref="TopicMember.Protocol"/>).</summary>
    internal async ValueTask<TopicJoinResult> JoinMemberAsync(WebSocketConnection connection, TopicPosition? from, bool protocol, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        await SubscribeAsync(cancellationToken).ConfigureAwait(false);
        if (from is not { } since)
        {
            var joined = Add(new TopicMember(connection, protocol: protocol));
            return new TopicJoinResult(joined, 0, Position, null);
        }

        var member = new TopicMember(connection, _options, protocol);
        if (!Add(member))
        {
            return new TopicJoinResult(false, 0, Position, null);
        }

        try
        {
            return await RecoverAsync(member, since, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            Leave(connection);
            throw;
        }
    }

    /// <summary>Removes a connection from the topic.</summary>
    /// <returns>True when it was a member.</returns>
    public bool Leave(WebSocketConnection connection)
    {
        ArgumentNullException.ThrowIfNull(connection);
        TopicMember? member;
        lock (_changes)
        {
            if (!_members.TryRemove(connection.Id, out member))
            {
                return false;
            }

            if (member.Protocol)
            {
                Interlocked.Decrement(ref _protocolMembers);
            }

            _membership.Next(new TopicMembershipChange(this, connection, Joined: false, Interlocked.Decrement(ref _count))
            {
                Member = new ClusterMember(_node.NodeId, connection.Id),
            });
        }

        member.Dispose();
        Presence(connection.Id, joined: false);
        return true;
    }

    /// <summary>Whether <paramref name="connection"/> is a member now.</summary>
    public bool Contains(WebSocketConnection connection)
    {
        ArgumentNullException.ThrowIfNull(connection);
        return _members.ContainsKey(connection.Id);
    }

    /// <summary>The topic's members on every node (with the default in-process backplane, this node's).</summary>
    /// <param name="cancellationToken">Cancels the query.</param>
    /// <exception cref="BackplaneUnavailableException">The backplane cannot be reached.</exception>
    public ValueTask<IReadOnlyList<ClusterMember>> GetMembersAsync(CancellationToken cancellationToken = default) =>
        _node.Backplane.GetMembersAsync(Name, cancellationToken);

    /// <summary>The number of the topic's members on every node.</summary>
    /// <param name="cancellationToken">Cancels the query.</param>
    /// <exception cref="BackplaneUnavailableException">The backplane cannot be reached.</exception>
    public ValueTask<long> GetMemberCountAsync(CancellationToken cancellationToken = default) =>
        _node.Backplane.GetMemberCountAsync(Name, cancellationToken);

    /// <summary>The topic's current position, as the backplane knows it (it may be ahead of <see cref="Position"/>
    /// while a publication is on its way).</summary>
    /// <param name="cancellationToken">Cancels the query.</param>
    /// <exception cref="BackplaneUnavailableException">The backplane cannot be reached.</exception>
    public ValueTask<TopicPosition> GetPositionAsync(CancellationToken cancellationToken = default) =>
        _node.Backplane.GetPositionAsync(Name, cancellationToken);

    /// <summary>"WebSocketTopic prices (3 members)".</summary>
    public override string ToString() => $"WebSocketTopic {Name} ({Count} members)";

    private bool Add(TopicMember member)
    {
        var connection = member.Connection;
        if (connection.State != ConnectionState.Open)
        {
            return false;
        }

        lock (_changes)
        {
            if (!_members.TryAdd(connection.Id, member))
            {
                return false;
            }

            if (member.Protocol)
            {
                Interlocked.Increment(ref _protocolMembers);
            }

            _membership.Next(new TopicMembershipChange(this, connection, Joined: true, Interlocked.Increment(ref _count))
            {
                Member = new ClusterMember(_node.NodeId, connection.Id),
            });
        }

        Presence(connection.Id, joined: true);

        // States replays the current state: a connection that closed meanwhile leaves at once.
        member.Watch(connection.States.Subscribe(state =>
        {
            if (state == ConnectionState.Closed)
            {
                Leave(connection);
            }
        }));
        return true;
    }
}
