namespace RxSockets;

/// <summary><see cref="ReconnectOptions.MaxReconnectAttempts"/> attempts failed (the "max-reconnect-attempts" event);
/// the client is <see cref="ClientState.Closed"/> until <see cref="WebSocketClient.ReconnectAsync"/>.</summary>
/// <param name="Time">When, on the client's clock.</param>
/// <param name="Attempts">How many attempts were made.</param>
/// <param name="LastError">The last attempt's failure.</param>
public sealed record ClientGaveUp(DateTimeOffset Time, int Attempts, Exception LastError) : ClientEvent(Time);
