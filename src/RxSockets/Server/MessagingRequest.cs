namespace RxSockets;

/// <summary>A client's request to a server's handler (<see cref="MessagingServerOptions.RequestHandlers"/>).</summary>
/// <param name="Server">The server that received it (to publish to its topics, or ask other clients).</param>
/// <param name="Connection">The connection that sent it.</param>
/// <param name="Name">The request's name: the route it was sent to; empty when it has none.</param>
/// <param name="Message">The request's payload, of the type the client sent it as.</param>
public sealed record MessagingRequest(WebSocketServer Server, WebSocketConnection Connection, string Name, Message Message);
