using System.Collections.Concurrent;
using RxSockets.Reactive;
using RxSockets.Scaling;
using RxSockets.Server;
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
public sealed class WebSocketTopic : Transport.IDropCounter
{
    private readonly ConcurrentDictionary<long, TopicMember> _members = new();
    private readonly ConcurrentDictionary<long, TaskCompletionSource<int>> _own = new();
    private readonly ObserverList<TopicMembershipChange> _membership;
    private readonly ObserverList<TopicGap> _gaps;
    private readonly ObserverList<TopicPublication> _publications;
    private readonly ClusterNode _node;
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

    internal WebSocketTopic(string name, ClusterNode node, TopicOptions? options, Action<Exception> onObserverFault)
    {
        Name = name;
        _node = node;
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

    /// <summary>Sends a message to every member on every node (but <paramref name="except"/>), framed once per node
    /// for all of its members. Completes when it is queued on every member of this node, or dropped for a slow one by
    /// the overflow policy (members that close meanwhile are skipped); other nodes deliver it on their own.</summary>
    /// <param name="message">The message.</param>
    /// <param name="except">A member not to send to, typically the sender; null for none.</param>
    /// <param name="cancellationToken">Cancels waiting for room (under <see cref="BroadcastOverflow.Wait"/>).</param>
    /// <returns>The number of this node's members the message was queued on.</returns>
    /// <exception cref="BackplaneUnavailableException">The cluster backplane is unreachable: the message reached only
    /// this node's members (<see cref="BackplaneUnavailableException.LocalDeliveries"/>).</exception>
    /// <exception cref="ObjectDisposedException">The server has stopped.</exception>
    public async ValueTask<int> PublishAsync(Message message, WebSocketConnection? except = null, CancellationToken cancellationToken = default) =>
        (await PublishPositionAsync(message, except, cancellationToken).ConfigureAwait(false)).Delivered;

    /// <summary><see cref="PublishAsync(Message, WebSocketConnection?, CancellationToken)"/>, also returning the
    /// publication's position (what the messaging protocol acknowledges).</summary>
    internal async ValueTask<(int Delivered, TopicPosition Position)> PublishPositionAsync(Message message, WebSocketConnection? except, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_node.Stopped, typeof(WebSocketServer));
        var outgoing = new BackplaneMessage(message, _node.NodeId, except?.Id);
        TopicPosition position;
        try
        {
            await SubscribeAsync(cancellationToken).ConfigureAwait(false);
            position = await _node.Backplane.PublishAsync(Name, outgoing, _history, cancellationToken).ConfigureAwait(false);
        }
        catch (BackplaneUnavailableException error)
        {
            // Local delivery goes on: this node's members get it, without an offset; the other nodes' members are told
            // of the gap by their own node.
            var local = await DeliverAsync(new TopicPublication(Name, 0, "", message, _node.NodeId) { Except = except?.Id }).ConfigureAwait(false);
            _node.Wakes.RunClaimed();
            throw new BackplaneUnavailableException(
                $"Topic '{Name}': the backplane is unreachable, so the message reached only this node's {local} member(s): {error.Message}", error)
            { LocalDeliveries = local };
        }

        // Delivered here as every node delivers it, in offset order: wait until this node's members had it.
        var delivered = OwnDelivery(position.Offset);
        try
        {
            return (await delivered.Task.WaitAsync(cancellationToken).ConfigureAwait(false), position);
        }
        finally
        {
            _own.TryRemove(new KeyValuePair<long, TaskCompletionSource<int>>(position.Offset, delivered));
        }
    }

    /// <summary>Sends a text message to every member (but <paramref name="except"/>).</summary>
    /// <inheritdoc cref="PublishAsync(Message, WebSocketConnection?, CancellationToken)"/>
    public ValueTask<int> PublishAsync(string text, WebSocketConnection? except = null, CancellationToken cancellationToken = default) =>
        PublishAsync(Message.Text(text), except, cancellationToken);

    /// <summary>"WebSocketTopic prices (3 members)".</summary>
    public override string ToString() => $"WebSocketTopic {Name} ({Count} members)";

    internal void CountDrop() => Interlocked.Increment(ref _dropped);

    void Transport.IDropCounter.CountDrop() => CountDrop();

    /// <summary>Delivers a publication to this node's members; called one at a time, in offset order.</summary>
    /// <returns>The number of members it was queued on.</returns>
    internal async ValueTask<int> DeliverAsync(TopicPublication publication)
    {
        var frame = Prepare(publication);
        var except = publication.Node == _node.NodeId ? publication.Except : null;
        var delivered = await _node.Gate.DeliverAsync(frame, Recipients(publication, frame, except, protocol: false), null, _node.Wakes, CancellationToken.None).ConfigureAwait(false);
        if (Volatile.Read(ref _protocolMembers) > 0)
        {
            var protocolFrame = PrepareProtocol(publication);
            delivered += await _node.Gate.DeliverAsync(protocolFrame, Recipients(publication, protocolFrame, except, protocol: true), null, _node.Wakes, CancellationToken.None)
                .ConfigureAwait(false);
        }
        lock (_events)
        {
            if (publication.Offset > 0)
            {
                _position = publication.Position;
            }

            _publications.Next(publication);
        }

        if (publication.Offset > 0 && publication.Node == _node.NodeId)
        {
            OwnDelivery(publication.Offset).TrySetResult(delivered);
        }

        return delivered;
    }

    /// <summary>Where this node's own publication at <paramref name="offset"/> meets its delivery here: made by
    /// whichever of the two comes first (the publication may come back before its publish call returns).</summary>
    private TaskCompletionSource<int> OwnDelivery(long offset) =>
        _own.GetOrAdd(offset, static _ => new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously));

    internal void OnRemoteMembership(ClusterMember member, bool joined)
    {
        lock (_changes)
        {
            _membership.Next(new TopicMembershipChange(this, null, joined, Count) { Member = member });
        }
    }

    internal void FailPending(Exception error)
    {
        foreach (var pending in _own)
        {
            if (_own.TryRemove(pending))
            {
                pending.Value.TrySetException(error);
            }
        }
    }

    internal void OnBackplaneLost()
    {
        FailPending(new BackplaneUnavailableException(
            $"Topic '{Name}': the backplane connection was lost before a publication came back to this node."));

        if (_members.IsEmpty)
        {
            return;
        }

        var gap = new TopicGap(this, null, Position, default, TopicGapReason.BackplaneLost);
        _ = ReportGapAsync(gap, [.. _members.Values]);
    }

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

    private async ValueTask<TopicJoinResult> RecoverAsync(TopicMember member, TopicPosition since, CancellationToken cancellationToken)
    {
        var connection = member.Connection;
        if (since.Offset == 0 && since.Epoch.Length == 0)
        {
            since = since with { Epoch = (await _node.Backplane.GetPositionAsync(Name, cancellationToken).ConfigureAwait(false)).Epoch };
        }

        var sent = since;
        var recovered = 0;
        TopicGap? gap = null;
        var readHistory = true;
        while (true)
        {
            if (readHistory)
            {
                var page = await _node.Backplane.ReadHistoryAsync(Name, sent, cancellationToken).ConfigureAwait(false);
                if (page.Complete)
                {
                    foreach (var publication in page.Publications)
                    {
                        if (publication.Node == _node.NodeId && publication.Except == connection.Id)
                        {
                            sent = publication.Position;
                            continue;   // its own message: skipped live, skipped here too
                        }

                        if (!await SendAsync(connection, member.Protocol ? PrepareProtocol(publication) : Prepare(publication), cancellationToken).ConfigureAwait(false))
                        {
                            return new TopicJoinResult(true, recovered, sent, gap);   // closed meanwhile: it has left
                        }

                        sent = publication.Position;
                        recovered++;
                    }
                }
                else
                {
                    var reason = page.Position.Epoch != sent.Epoch ? TopicGapReason.EpochChanged : TopicGapReason.HistoryTrimmed;
                    var missed = new TopicGap(this, connection, sent, page.Position, reason);
                    gap ??= missed;
                    sent = page.Position;
                    await ReportGapAsync(missed, [member]).ConfigureAwait(false);
                }
            }

            // Then the live publications that arrived meanwhile, skipping those the history already gave; when there
            // were more than the member may keep, they were let go: read them from the history again.
            var held = member.TakeHeldOrGoLive(sent, out readHistory);
            if (held is null)
            {
                break;
            }

            if (readHistory)
            {
                continue;
            }

            foreach (var (publication, frame) in held)
            {
                if (publication.Offset > 0 && publication.Epoch == sent.Epoch && publication.Offset <= sent.Offset)
                {
                    continue;
                }

                if (!await SendAsync(connection, frame, cancellationToken).ConfigureAwait(false))
                {
                    return new TopicJoinResult(true, recovered, sent, gap);
                }

                if (publication.Offset > 0)
                {
                    sent = publication.Position;
                }
            }
        }

        return new TopicJoinResult(true, recovered, sent, gap);
    }

    private IEnumerable<WebSocketConnection> Recipients(TopicPublication publication, PreparedFrame frame, long? except, bool protocol)
    {
        foreach (var member in _members.Values)
        {
            if (member.Protocol != protocol || member.Connection.Id == except || member.TryHold(publication, frame))
            {
                continue;
            }

            yield return member.Connection;
        }
    }

    private PreparedFrame PrepareProtocol(TopicPublication publication)
    {
        var frame = Messaging.ProtocolTopicFrames.Publication(publication, _node.FragmentSize);
        frame.DropCounter = this;
        return frame;
    }

    private PreparedFrame Prepare(TopicPublication publication)
    {
        var message = publication.Message;
        if (_options.Format is { } format)
        {
            try
            {
                message = format(publication);
            }
#pragma warning disable CA1031 // A user callback's failure must not stop the topic: the message goes out as published.
            catch (Exception error)
#pragma warning restore CA1031
            {
                Diagnostics.Log.TopicFormatFailed(_node.Logger, Name, publication.Offset, error);
            }
        }

        var frame = PreparedFrame.Create(message, _node.FragmentSize);
        frame.DropCounter = this;
        return frame;
    }

    private async Task ReportGapAsync(TopicGap gap, IReadOnlyCollection<TopicMember> members)
    {
        lock (_events)
        {
            _gaps.Next(gap);
        }

        Message? notice = null;
        try
        {
            notice = _options.GapNotice?.Invoke(gap);
        }
#pragma warning disable CA1031 // A user callback's failure is logged; the gap is still on Gaps.
        catch (Exception error)
#pragma warning restore CA1031
        {
            Diagnostics.Log.TopicFormatFailed(_node.Logger, Name, gap.LastPosition.Offset, error);
        }

        if (notice is { } message)
        {
            var frame = PreparedFrame.Create(message, _node.FragmentSize);
            await _node.Gate.DeliverAsync(frame, members.Where(m => !m.Protocol).Select(m => m.Connection), null, CancellationToken.None).ConfigureAwait(false);
        }

        // Protocol members are always told, in the protocol's own terms.
        if (members.Any(m => m.Protocol))
        {
            var frame = Messaging.ProtocolTopicFrames.Gap(gap, _node.FragmentSize);
            frame.DropCounter = this;
            await _node.Gate.DeliverAsync(frame, members.Where(m => m.Protocol).Select(m => m.Connection), null, CancellationToken.None).ConfigureAwait(false);
        }
    }

    /// <summary>Sends a recovered publication to one member; false once the member's connection is no longer open (the
    /// recovery stops there rather than frame the rest of the history for nobody).</summary>
    private async ValueTask<bool> SendAsync(WebSocketConnection connection, PreparedFrame frame, CancellationToken cancellationToken) =>
        await _node.Gate.DeliverAsync(frame, [connection], null, cancellationToken).ConfigureAwait(false) > 0 || connection.State == ConnectionState.Open;

    private void SubscribeInBackground()
    {
        var subscribed = CurrentSubscription();
        if (!subscribed.IsCompletedSuccessfully)
        {
            // Observed and logged, also when it failed at once; the next join or publish tries again.
            _ = subscribed.ContinueWith(task => Diagnostics.Log.BackplaneFailed(_node.Logger, "subscribe", Name, task.Exception!.GetBaseException()),
                CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }
    }

    private ValueTask SubscribeAsync(CancellationToken cancellationToken)
    {
        var subscribed = CurrentSubscription();
        return subscribed.IsCompletedSuccessfully ? ValueTask.CompletedTask : new ValueTask(subscribed.WaitAsync(cancellationToken));
    }

    /// <summary>The subscription made or under way; a failed one is made again.</summary>
    private Task CurrentSubscription() =>
        Volatile.Read(ref _subscribed) is { IsFaulted: false, IsCanceled: false } subscribed ? subscribed : Subscribe();

    private Task Subscribe()
    {
        _node.EnsureStarted();
        lock (_subscribing)
        {
            if (_subscribed is { IsFaulted: false, IsCanceled: false } existing)
            {
                return existing;
            }

            var task = _node.Backplane.SubscribeAsync(Name, CancellationToken.None).AsTask();
            Volatile.Write(ref _subscribed, task);
            return task;
        }
    }

    internal void Unsubscribe()
    {
        lock (_subscribing)
        {
            if (_subscribed is null)
            {
                return;
            }

            _subscribed = null;
        }

        _ = Observe(_node.Backplane.UnsubscribeAsync(Name, CancellationToken.None), "unsubscribe");
    }

    private void Presence(long connectionId, bool joined) =>
        _ = Observe(joined ? _node.Backplane.JoinAsync(Name, connectionId, CancellationToken.None) : _node.Backplane.LeaveAsync(Name, connectionId, CancellationToken.None),
            joined ? "join" : "leave");

    private async Task Observe(ValueTask operation, string what)
    {
        try
        {
            await operation.ConfigureAwait(false);
        }
#pragma warning disable CA1031 // Fire-and-forget bookkeeping: logged, never unobserved. The backplane re-adds presence when it reconnects.
        catch (Exception error)
#pragma warning restore CA1031
        {
            Diagnostics.Log.BackplaneFailed(_node.Logger, what, Name, error);
        }
    }
}
