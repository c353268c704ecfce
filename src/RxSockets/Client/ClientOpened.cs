namespace RxSockets;

/// <summary>The first connection (or one requested with <see cref="WebSocketClient.ReconnectAsync"/>) is open.</summary>
/// <param name="Time">When, on the client's clock.</param>
/// <param name="Connection">The open connection.</param>
public sealed record ClientOpened(DateTimeOffset Time, WebSocketConnection Connection) : ClientEvent(Time);
