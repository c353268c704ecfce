using RxSockets.Scaling;
using RxSockets.Transport;

namespace RxSockets;

// Publishing: a publication goes through the backplane (which gives it its offset) and comes back to every node, which
// frames it once and delivers it to its members; a publisher waits until its own node has delivered it.
public sealed partial class WebSocketTopic
{
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
        _node.ThrowIfStopped();
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

    internal void CountDrop() => Interlocked.Increment(ref _dropped);

    void Transport.IDropCounter.CountDrop() => CountDrop();

    /// <summary>Delivers a publication to this node's members; called one at a time, in offset order.</summary>
    /// <returns>The number of members it was queued on.</returns>
    internal async ValueTask<int> DeliverAsync(TopicPublication publication)
    {
        var frame = Prepare(publication);
        var except = publication.Node == _node.NodeId ? publication.Except : null;
        var delivered = await _node.DeliverAsync(frame, Recipients(publication, frame, except, protocol: false), _node.Wakes, CancellationToken.None).ConfigureAwait(false);
        if (Volatile.Read(ref _protocolMembers) > 0)
        {
            var protocolFrame = PrepareProtocol(publication);
            delivered += await _node.DeliverAsync(protocolFrame, Recipients(publication, protocolFrame, except, protocol: true), _node.Wakes, CancellationToken.None)
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
        var frame = _protocol.Publication(publication, _node.FragmentSize);
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
}
