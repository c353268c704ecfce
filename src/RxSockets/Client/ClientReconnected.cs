namespace RxSockets;

/// <summary>A new connection is open after a loss.</summary>
/// <param name="Time">When, on the client's clock.</param>
/// <param name="Connection">The new connection.</param>
/// <param name="Attempts">How many attempts it took.</param>
/// <param name="Resumed">True when the session continued without a gap (resumable sessions); false for a fresh session,
/// which may have lost messages in either direction while disconnected. Always false without session resumption.</param>
public sealed record ClientReconnected(DateTimeOffset Time, WebSocketConnection Connection, int Attempts, bool Resumed) : ClientEvent(Time);
