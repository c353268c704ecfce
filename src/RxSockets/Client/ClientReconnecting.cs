namespace RxSockets;

/// <summary>A reconnect attempt is scheduled.</summary>
/// <param name="Time">When it was scheduled, on the client's clock.</param>
/// <param name="Attempt">The attempt number since the last successful connection, from 1.</param>
/// <param name="Delay">How long the client waits before the attempt (with a custom pipeline: how long it waited).</param>
/// <param name="Reason">The loss or the previous attempt's failure.</param>
public sealed record ClientReconnecting(DateTimeOffset Time, int Attempt, TimeSpan Delay, Exception Reason) : ClientEvent(Time);
