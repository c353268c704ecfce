namespace RxSockets;

/// <summary>The open connection was lost or closed by the server (the home of the "error" and "close" of a single
/// connection); <see cref="ClientReconnecting"/>, <see cref="ClientGaveUp"/> or <see cref="ClientClosed"/> follows.</summary>
/// <param name="Time">When, on the client's clock.</param>
/// <param name="Reason">Why: a <see cref="ConnectionClosedException"/> whose <see cref="ConnectionClosedException.Code"/>
/// is the close code (1006 when the connection dropped without one).</param>
public sealed record ClientDisconnected(DateTimeOffset Time, ConnectionClosedException Reason) : ClientEvent(Time);
