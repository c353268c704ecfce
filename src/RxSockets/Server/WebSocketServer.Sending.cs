using RxSockets.Scaling;

namespace RxSockets;

/// <summary>Sending to the clients: broadcasts (this node and, through the backplane, the others) and requests to
/// messaging clients.</summary>
public sealed partial class WebSocketServer
{
    /// <summary>Sends a request to a messaging-protocol client (one of <see cref="MessagingClients"/>) and waits for its
    /// reply, as SignalR's client results: the client answers with the handler it registered for
    /// <paramref name="name"/> (<c>WebSocketClient.MapRequest</c>).</summary>
    /// <param name="client">The client's connection.</param>
    /// <param name="request">The request's payload.</param>
    /// <param name="name">The request's name (the client's route); null for none.</param>
    /// <param name="cancellationToken">Stops waiting (the client may still answer; its reply is dropped).</param>
    /// <returns>The client's reply.</returns>
    /// <exception cref="InvalidOperationException">The connection does not speak the messaging protocol, or closed.</exception>
    /// <exception cref="RequestFailedException">The client answered an error, had no handler
    /// (<see cref="MessagingErrorCodes.NotFound"/>), did not answer within
    /// <see cref="MessagingServerOptions.RequestTimeout"/> (<see cref="MessagingErrorCodes.Timeout"/>), or
    /// <see cref="MessagingServerOptions.MaxPendingRequests"/> requests are pending on it
    /// (<see cref="MessagingErrorCodes.Limit"/>).</exception>
    /// <exception cref="ConnectionClosedException">The connection closed before the reply.</exception>
    public ValueTask<Message> RequestAsync(WebSocketConnection client, Message request, string? name = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(client);
        return _messaging.RequestAsync(client, request, name, cancellationToken);
    }

    /// <summary>Sends a message to every open connection that passes <paramref name="filter"/>. The message is framed
    /// once for all of them. Completes when it is queued on every recipient, within each one's outbound budget
    /// (waiting for room, or dropping, as <see cref="WebSocketServerOptions.BroadcastOverflow"/> says); connections
    /// that close meanwhile are skipped.</summary>
    /// <remarks>With a cluster backplane, a broadcast without a filter reaches every node's clients. A delegate cannot
    /// travel to another node, so a broadcast with a <paramref name="filter"/> stays on this node: use a named filter
    /// (<see cref="BroadcastAsync(Message, WebSocketConnection?, string?, CancellationToken)"/>) across nodes.</remarks>
    /// <param name="message">The message.</param>
    /// <param name="filter">Which of this node's connections receive it; null for all, on every node.</param>
    /// <param name="cancellationToken">Cancels waiting for room in full queues.</param>
    /// <returns>The number of this node's connections the message was queued on.</returns>
    /// <exception cref="BackplaneUnavailableException">The broadcast was for every node and the backplane is
    /// unreachable: it reached only this node's connections.</exception>
    public ValueTask<int> BroadcastAsync(Message message, Func<WebSocketConnection, bool>? filter = null, CancellationToken cancellationToken = default)
    {
        // A resumable session's connection carries numbered envelopes: send to the session instead.
        var targets = _options.Resume is null && _options.Messaging is null ? filter : BroadcastableAnd(filter);
        var local = _node.BroadcastLocallyAsync(message, targets, cancellationToken);

        // A filtered broadcast stays on this node: no state machine when it completes at once (the steady state).
        return filter is null ? ToEveryNodeAsync(message, local, cancellationToken) : local;
    }

    private async ValueTask<int> ToEveryNodeAsync(Message message, ValueTask<int> delivering, CancellationToken cancellationToken)
    {
        var local = await delivering.ConfigureAwait(false);
        await ToOtherNodesAsync(new BackplaneMessage(message, NodeId), local, cancellationToken).ConfigureAwait(false);
        return local;
    }

    /// <summary>Sends a message to every open connection of every node but <paramref name="except"/> (typically the
    /// sender), and only to those that pass the filter named <paramref name="filter"/> in
    /// <see cref="WebSocketServerOptions.BroadcastFilters"/>, which each node runs over its own connections. Framed
    /// once per node; completes when it is queued on this node's recipients (as
    /// <see cref="BroadcastAsync(Message, Func{WebSocketConnection, bool}?, CancellationToken)"/>) and handed to the
    /// backplane for the others, which deliver it in the order this node sent its broadcasts.</summary>
    /// <param name="message">The message.</param>
    /// <param name="except">A connection of this node not to send to; null for none.</param>
    /// <param name="filter">The name of a filter in <see cref="WebSocketServerOptions.BroadcastFilters"/>; null for
    /// every connection.</param>
    /// <param name="cancellationToken">Cancels waiting for room in full queues.</param>
    /// <returns>The number of this node's connections the message was queued on.</returns>
    /// <exception cref="ArgumentException">No filter of that name is registered on this node.</exception>
    /// <exception cref="BackplaneUnavailableException">The backplane is unreachable: the broadcast reached only this
    /// node's connections.</exception>
    public async ValueTask<int> BroadcastAsync(Message message, WebSocketConnection? except, string? filter = null, CancellationToken cancellationToken = default)
    {
        if (!_node.TryAudience(filter, except, out var audience))
        {
            throw new ArgumentException($"No broadcast filter named '{filter}' is registered in WebSocketServerOptions.BroadcastFilters.", nameof(filter));
        }

        var local = await _node.BroadcastLocallyAsync(message, audience, cancellationToken).ConfigureAwait(false);
        await ToOtherNodesAsync(new BackplaneMessage(message, NodeId, except?.Id, filter), local, cancellationToken).ConfigureAwait(false);
        return local;
    }

    private async ValueTask ToOtherNodesAsync(BackplaneMessage message, int local, CancellationToken cancellationToken)
    {
        try
        {
            await _node.Backplane.BroadcastAsync(message, cancellationToken).ConfigureAwait(false);
        }
        catch (BackplaneUnavailableException error)
        {
            throw new BackplaneUnavailableException(
                $"The backplane is unreachable, so the broadcast reached only this node's {local} connection(s): {error.Message}", error)
            { LocalDeliveries = local };
        }
    }

    /// <summary>The filter and <see cref="Broadcastable"/>. A method of its own: the closure is then made only on a
    /// server with sessions or messaging, not on every broadcast of every server.</summary>
    private Func<WebSocketConnection, bool> BroadcastableAnd(Func<WebSocketConnection, bool>? filter) =>
        connection => Broadcastable(connection) && (filter is null || filter(connection));

    /// <summary>Whether raw broadcasts reach <paramref name="connection"/>: a resumable session's connection carries
    /// numbered envelopes, a messaging connection protocol frames.</summary>
    private bool Broadcastable(WebSocketConnection connection) => !_resume.Owns(connection) && !_messaging.Owns(connection);
}
