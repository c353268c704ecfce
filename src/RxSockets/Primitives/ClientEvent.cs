namespace RxSockets;

/// <summary>
/// Something that happened to a <see cref="WebSocketClient"/>, published on <see cref="WebSocketClient.Events"/>; match
/// on the derived type (<see cref="ClientConnecting"/>, <see cref="ClientOpened"/>, <see cref="ClientDisconnected"/>,
/// <see cref="ClientHeartbeatTimeout"/>, <see cref="ClientReconnecting"/>, <see cref="ClientReconnectFailed"/>,
/// <see cref="ClientReconnected"/>, <see cref="ClientGaveUp"/>, <see cref="ClientClosed"/>). Messages are on
/// <see cref="WebSocketClient.Incoming"/>, pings and pongs on <see cref="WebSocketClient.Pings"/> and
/// <see cref="WebSocketClient.Pongs"/>.
/// </summary>
/// <param name="Time">When it happened, on the client's clock (<see cref="ConnectionOptions.Scheduler"/>).</param>
public abstract record ClientEvent(DateTimeOffset Time);
