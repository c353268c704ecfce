namespace RxSockets;

/// <summary>A reconnect attempt failed (the "reconnect-error" event).</summary>
/// <param name="Time">When, on the client's clock.</param>
/// <param name="Attempt">The attempt number, from 1.</param>
/// <param name="Error">Why: a <see cref="HandshakeException"/>, a network error, a timeout…</param>
public sealed record ClientReconnectFailed(DateTimeOffset Time, int Attempt, Exception Error) : ClientEvent(Time);
