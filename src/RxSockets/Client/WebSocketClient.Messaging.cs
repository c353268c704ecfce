namespace RxSockets;

// The messaging protocol's members (WebSocketClientOptions.Messaging): all of them delegate to ClientMessaging.
public sealed partial class WebSocketClient
{
    /// <summary>A topic of the messaging protocol: its publications, recovered across reconnects with no gap nor
    /// duplicate (see <see cref="ClientTopic"/>); the same instance for the same name. Subscribing happens on its first
    /// observer, not here.</summary>
    /// <param name="name">The topic's name, 1 to 256 UTF-8 bytes.</param>
    /// <returns>The topic.</returns>
    /// <exception cref="ArgumentException">The name is empty or longer than 256 UTF-8 bytes.</exception>
    /// <exception cref="InvalidOperationException"><see cref="WebSocketClientOptions.Messaging"/> is not set.</exception>
    public ClientTopic Topic(string name) => RequireMessaging().Topic(name);

    /// <summary>Publishes to a topic of the messaging protocol; completes when the server acknowledged it
    /// (<c>puback</c>) with the publication's position. Publishes are sent in call order (those made while disconnected
    /// wait for the next connection, within <see cref="MessagingClientOptions.RequestTimeout"/>), so one client's
    /// publications to a topic get their offsets in that order.</summary>
    /// <param name="topic">The topic's name, 1 to 256 UTF-8 bytes.</param>
    /// <param name="message">The publication: text or binary, delivered as it is.</param>
    /// <param name="cancellationToken">Stops waiting for the acknowledgment (the publication may still be made).</param>
    /// <returns>The publication's position (its offset and epoch).</returns>
    /// <exception cref="ArgumentException">The topic name is empty or longer than 256 UTF-8 bytes.</exception>
    /// <exception cref="InvalidOperationException"><see cref="WebSocketClientOptions.Messaging"/> is not set.</exception>
    /// <exception cref="RequestFailedException">In the task: the server refused it (<see cref="MessagingErrorCodes.Forbidden"/>…),
    /// no acknowledgment came in time (<see cref="MessagingErrorCodes.Timeout"/>), or
    /// <see cref="MessagingClientOptions.MaxPendingRequests"/> are pending (<see cref="MessagingErrorCodes.Limit"/>).</exception>
    /// <exception cref="ConnectionClosedException">In the task: the connection was lost after it was sent; it may or
    /// may not have been published.</exception>
    /// <exception cref="ObjectDisposedException">In the task: the client was disposed first.</exception>
    public ValueTask<TopicPosition> PublishAsync(string topic, Message message, CancellationToken cancellationToken = default) =>
        RequireMessaging().PublishAsync(topic, message, cancellationToken);

    /// <summary>Sends a request to the server (routed by <paramref name="name"/> to one of its handlers) and completes with
    /// its reply. Requests are sent in call order; those made while disconnected wait for the next connection, within
    /// <see cref="MessagingClientOptions.RequestTimeout"/>.</summary>
    /// <param name="request">The request's payload, text or binary.</param>
    /// <param name="name">The route (the server's handler); null or empty for requests without a name.</param>
    /// <param name="cancellationToken">Stops waiting for the reply.</param>
    /// <returns>The reply's payload.</returns>
    /// <exception cref="InvalidOperationException"><see cref="WebSocketClientOptions.Messaging"/> is not set.</exception>
    /// <exception cref="RequestFailedException">In the task: the server answered <c>err</c> (its code and reason:
    /// <see cref="MessagingErrorCodes.NotFound"/>, <see cref="MessagingErrorCodes.Internal"/>, a handler's own…), no reply
    /// came in time (<see cref="MessagingErrorCodes.Timeout"/>), or too many are pending (<see cref="MessagingErrorCodes.Limit"/>).</exception>
    /// <exception cref="ConnectionClosedException">In the task: the connection was lost after it was sent; it may or
    /// may not have been processed.</exception>
    /// <exception cref="ObjectDisposedException">In the task: the client was disposed first.</exception>
    public ValueTask<Message> RequestAsync(Message request, string? name = null, CancellationToken cancellationToken = default) =>
        RequireMessaging().RequestAsync(request, name, cancellationToken);

    /// <summary>Answers the server's requests named <paramref name="name"/> (client results): the handler's reply goes
    /// back as <c>res</c>; a <see cref="RequestFailedException"/> it throws goes back as <c>err</c> with its code and
    /// reason, any other exception as <see cref="MessagingErrorCodes.Internal"/> (logged, no details sent). A request
    /// with no handler is answered <see cref="MessagingErrorCodes.NotFound"/>. Handlers run off the read loop, several
    /// at once; their token is cancelled when the connection the request came on is lost.</summary>
    /// <param name="name">The route; empty for requests without a name.</param>
    /// <param name="handler">Computes the reply.</param>
    /// <returns>Disposing it removes the handler.</returns>
    /// <exception cref="InvalidOperationException"><see cref="WebSocketClientOptions.Messaging"/> is not set, or a handler
    /// is mapped already for <paramref name="name"/>.</exception>
    public IDisposable MapRequest(string name, Func<Message, CancellationToken, ValueTask<Message>> handler) =>
        RequireMessaging().MapRequest(name, handler);

    private Messaging.ClientMessaging RequireMessaging() => _messaging ?? throw new InvalidOperationException(
        "Topics, publishing and requests are the messaging protocol's: set WebSocketClientOptions.Messaging (and use a server with messaging on).");
}
