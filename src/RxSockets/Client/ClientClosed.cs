namespace RxSockets;

/// <summary>The client stopped: <see cref="WebSocketClient.StopAsync"/>, a close or failure that does not call for a
/// reconnect (see <see cref="ReconnectOptions.ShouldReconnect"/>), or after <see cref="ClientGaveUp"/>.</summary>
/// <param name="Time">When, on the client's clock.</param>
/// <param name="Status">The close status received from the server, or sent by us, if any.</param>
/// <param name="Error">The failure that stopped it; null when it stopped cleanly.</param>
public sealed record ClientClosed(DateTimeOffset Time, CloseStatus? Status, Exception? Error) : ClientEvent(Time);
