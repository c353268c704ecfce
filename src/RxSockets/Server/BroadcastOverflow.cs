namespace RxSockets;

/// <summary>What a broadcast or topic publish does for a connection whose send queue is over its budget
/// (<see cref="WebSocketServerOptions.BroadcastQueueLimit"/>, <see cref="WebSocketServerOptions.BroadcastByteLimit"/>).
/// Every message dropped is counted per connection, per topic and per server.</summary>
public enum BroadcastOverflow
{
    /// <summary>Wait until the connection's queue is back under budget, for at most
    /// <see cref="WebSocketServerOptions.BroadcastWaitTimeout"/> (5 s by default): one slow client slows the publisher
    /// (the publish completes when every recipient has it queued), but one that makes no room in time is closed with
    /// 1013 (try again later, as <see cref="Disconnect"/>) and the message counted as dropped for it. Nothing is dropped
    /// for a client that keeps up within the bound.</summary>
    Wait,

    /// <summary>Evict the oldest broadcast or published message still queued for that connection (never one it sent
    /// with <c>SendAsync</c>), then queue the new one: a slow client sees the newest data.</summary>
    DropOldest,

    /// <summary>Skip the new message for that connection.</summary>
    DropNewest,

    /// <summary>Close that connection at once (its queued messages are discarded) with 1013 (try again later), the
    /// code reconnecting clients treat as transient: a slow consumer is told to come back rather than that it broke a
    /// rule. The message is counted as dropped.</summary>
    Disconnect,
}
