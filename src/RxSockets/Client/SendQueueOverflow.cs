namespace RxSockets;

/// <summary>What a <see cref="WebSocketClient"/> does with a message sent while its send queue is full (for example
/// while it is disconnected and reconnecting).</summary>
public enum SendQueueOverflow
{
    /// <summary><c>SendAsync</c> waits for room (backpressure). <c>Outgoing.OnNext</c>, which never blocks, drops the
    /// new message and counts it in <see cref="WebSocketClient.DroppedOutgoing"/>.</summary>
    Wait,

    /// <summary>The oldest queued message is dropped (and counted) to make room for the new one.</summary>
    DropOldest,

    /// <summary><c>SendAsync</c> fails with an <see cref="InvalidOperationException"/>; <c>Outgoing.OnNext</c> drops the
    /// new message and counts it.</summary>
    Fail,
}
