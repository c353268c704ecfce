using System.Collections.Concurrent;
using RxSockets.Reactive;
using RxSockets.Server;
using RxSockets.Transport;

namespace RxSockets;

/// <summary>
/// A named group of a server's connections (a room, a channel, a ticker symbol): connections join and leave, and a
/// message published to the topic goes to every member, framed (and, under permessage-deflate, compressed) once for
/// all of them. A connection leaves every topic when it closes. Get one with <see cref="WebSocketServer.Topic"/>.
/// </summary>
/// <remarks>
/// <para><b>Thread safety.</b> Every member may be called from any thread. Publishing takes no lock; joining and
/// leaving take a short one, so that <see cref="Membership"/> reports changes one at a time, in order, with counts
/// that match.</para>
/// <para><b>Slow members.</b> Publishing honours each member's outbound budget and
/// <see cref="WebSocketServerOptions.BroadcastOverflow"/>; the messages a policy drops are counted in
/// <see cref="DroppedMessages"/> and in each connection's <see cref="WebSocketConnection.DroppedOutgoing"/>.</para>
/// </remarks>
public sealed class WebSocketTopic
{
    private readonly ConcurrentDictionary<long, TopicMember> _members = new();
    private readonly ObserverList<TopicMembershipChange> _membership;
    private readonly BroadcastGate _gate;
    private readonly int _fragmentSize;
    private readonly Lock _changes = new();
    private int _count;
    private long _dropped;

    internal WebSocketTopic(string name, BroadcastGate gate, int fragmentSize, Action<Exception> onObserverFault)
    {
        Name = name;
        _gate = gate;
        _fragmentSize = fragmentSize;
        _membership = new ObserverList<TopicMembershipChange>(onObserverFault);
    }

    /// <summary>The topic's name (compared ordinally).</summary>
    public string Name { get; }

    /// <summary>The number of members now.</summary>
    public int Count => Volatile.Read(ref _count);

    /// <summary>The members now (a snapshot).</summary>
    public IReadOnlyCollection<WebSocketConnection> Members => [.. _members.Values.Select(member => member.Connection)];

    /// <summary>Messages published to this topic that an overflow policy dropped for a slow member (as the newest, or
    /// later evicted as the oldest).</summary>
    public long DroppedMessages => Interlocked.Read(ref _dropped);

    /// <summary>Every join and leave from now on, with the member count right after it; hot, never completes.
    /// Observers are called on the thread that joined or left, one change at a time.</summary>
    public IObservable<TopicMembershipChange> Membership => _membership;

    /// <summary>Adds an open connection to the topic; it stays until <see cref="Leave"/> or until it closes.</summary>
    /// <param name="connection">A connection of this topic's server.</param>
    /// <returns>True when it joined; false when it was already a member or is no longer open.</returns>
    public bool Join(WebSocketConnection connection)
    {
        ArgumentNullException.ThrowIfNull(connection);
        if (connection.State != ConnectionState.Open)
        {
            return false;
        }

        var member = new TopicMember(connection);
        lock (_changes)
        {
            if (!_members.TryAdd(connection.Id, member))
            {
                return false;
            }

            _membership.Next(new TopicMembershipChange(this, connection, Joined: true, Interlocked.Increment(ref _count)));
        }

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

            _membership.Next(new TopicMembershipChange(this, connection, Joined: false, Interlocked.Decrement(ref _count)));
        }

        member.Dispose();
        return true;
    }

    /// <summary>Whether <paramref name="connection"/> is a member now.</summary>
    public bool Contains(WebSocketConnection connection)
    {
        ArgumentNullException.ThrowIfNull(connection);
        return _members.ContainsKey(connection.Id);
    }

    /// <summary>Sends a message to every member (but <paramref name="except"/>), framed once for all of them.
    /// Completes when it is queued on every recipient, or dropped for a slow one by the overflow policy; members
    /// that close meanwhile are skipped.</summary>
    /// <param name="message">The message.</param>
    /// <param name="except">A member not to send to, typically the sender; null for none.</param>
    /// <param name="cancellationToken">Cancels waiting for room (under <see cref="BroadcastOverflow.Wait"/>).</param>
    /// <returns>The number of members the message was queued on.</returns>
    public ValueTask<int> PublishAsync(Message message, WebSocketConnection? except = null, CancellationToken cancellationToken = default)
    {
        var frame = PreparedFrame.Create(message, _fragmentSize);
        frame.Topic = this;
        var recipients = _members.Select(pair => pair.Value.Connection);
        return _gate.DeliverAsync(frame, recipients, except is null ? null : connection => connection != except, cancellationToken);
    }

    /// <summary>Sends a text message to every member (but <paramref name="except"/>).</summary>
    /// <inheritdoc cref="PublishAsync(Message, WebSocketConnection?, CancellationToken)"/>
    public ValueTask<int> PublishAsync(string text, WebSocketConnection? except = null, CancellationToken cancellationToken = default) =>
        PublishAsync(Message.Text(text), except, cancellationToken);

    /// <summary>"WebSocketTopic prices (3 members)".</summary>
    public override string ToString() => $"WebSocketTopic {Name} ({Count} members)";

    internal void CountDrop() => Interlocked.Increment(ref _dropped);
}
