namespace RxSockets;

/// <summary>No pong nor any other frame arrived within <see cref="ConnectionOptions.KeepAliveTimeout"/> after a keepalive
/// ping: the connection was declared dead and aborted. A reconnect follows (timeouts are transient by default).</summary>
/// <param name="Time">When, on the client's clock.</param>
/// <param name="Connection">The connection declared dead.</param>
public sealed record ClientHeartbeatTimeout(DateTimeOffset Time, WebSocketConnection Connection) : ClientEvent(Time);
