namespace RxSockets.Messaging;

/// <summary>Answers one client request: a handler of <c>MessagingServerOptions.RequestHandlers</c> bound to its server,
/// which makes the handler's <c>MessagingRequest</c> from these arguments (see <see cref="MessagingServerSettings"/>).</summary>
/// <param name="connection">The connection that sent the request.</param>
/// <param name="name">The request's name; empty when it has none.</param>
/// <param name="request">The request's payload.</param>
/// <param name="cancellationToken">Cancelled when the request times out or the connection ends.</param>
/// <returns>The reply.</returns>
internal delegate ValueTask<Message> ServerRequestHandler(WebSocketConnection connection, string name, Message request, CancellationToken cancellationToken);
