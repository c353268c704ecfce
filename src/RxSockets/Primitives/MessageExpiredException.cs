namespace RxSockets;

/// <summary>A message sent with a time-to-live (<see cref="WebSocketClient.SendAsync(Message, TimeSpan, CancellationToken)"/>)
/// waited in the client's queue longer than that, so it was never sent: a stale order does not leave after a
/// reconnect. Counted in <see cref="WebSocketClient.ExpiredOutgoing"/>.</summary>
/// <remarks>Instances are immutable once thrown and safe to read from any thread.</remarks>
public sealed class MessageExpiredException : RxSocketsException
{
    internal MessageExpiredException(TimeSpan timeToLive, DateTimeOffset expiredAt)
        : base($"The message was not sent: it waited for a connection longer than its time-to-live of {timeToLive} (expired at {expiredAt:O} on the client's clock).")
    {
        TimeToLive = timeToLive;
        ExpiredAt = expiredAt;
    }

    /// <summary>The time-to-live the message was sent with.</summary>
    public TimeSpan TimeToLive { get; }

    /// <summary>When it expired, on the client's clock (<see cref="ConnectionOptions.Scheduler"/>).</summary>
    public DateTimeOffset ExpiredAt { get; }
}
