namespace RxSockets;

/// <summary>A connection attempt begins.</summary>
/// <param name="Time">When, on the client's clock.</param>
/// <param name="Url">The URL tried.</param>
/// <param name="Attempt">0 for a first or manual connection; the reconnect attempt number (1, 2, …) otherwise.</param>
public sealed record ClientConnecting(DateTimeOffset Time, Uri Url, int Attempt) : ClientEvent(Time);
