namespace RxSockets;

// The sending side: the client's queue (ClientSender) takes every message, connected or not, and hands it to the next
// open connection; pings go to the open connection only.
public sealed partial class WebSocketClient
{
    /// <summary>The send sink: <c>OnNext</c> queues without blocking (a full queue drops the message, counted in
    /// <see cref="DroppedOutgoing"/>, unless the policy is <see cref="SendQueueOverflow.DropOldest"/>);
    /// <c>OnCompleted</c> and <c>OnError</c> stop the client. With <see cref="WebSocketClientOptions.Messaging"/>,
    /// <c>OnNext</c> throws <see cref="InvalidOperationException"/> (use <see cref="PublishAsync(string, Message, CancellationToken)"/>).</summary>
    public IObserver<Message> Outgoing { get; }

    /// <summary>Messages dropped by <see cref="ReconnectOptions.SendOverflow"/> or by <see cref="Outgoing"/> on a full queue.</summary>
    public long DroppedOutgoing => _sender.Dropped;

    /// <summary>Messages sent with a time-to-live (<see cref="SendAsync(Message, TimeSpan, CancellationToken)"/>) that
    /// expired in the client's queue and so were never sent.</summary>
    public long ExpiredOutgoing => _sender.Expired;

    /// <summary>Messages queued in the client, waiting for a connection (or for room in its send queue).</summary>
    public int QueuedOutgoing => _sender.Queued;

    /// <summary>Pings the current connection and completes with the round-trip time when its pong arrives. It does not
    /// wait for a connection: ping to measure the link that is up, not one that may come.</summary>
    /// <param name="payload">Up to 125 bytes; empty to let the connection choose a unique payload.</param>
    /// <param name="cancellationToken">Stops waiting for the pong.</param>
    /// <returns>The round-trip time, measured on the client's clock.</returns>
    /// <exception cref="ArgumentOutOfRangeException">The payload is longer than 125 bytes.</exception>
    /// <exception cref="ConnectionClosedException">In the task: the client is not connected, or the connection closed
    /// before the pong.</exception>
    public ValueTask<TimeSpan> PingAsync(ReadOnlyMemory<byte> payload = default, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(payload.Length, Protocol.Frames.FrameHeader.MaxControlPayloadLength, nameof(payload));
        return Volatile.Read(ref _current) is { IsConnected: true } connection
            ? connection.PingAsync(payload, cancellationToken)
            : ValueTask.FromException<TimeSpan>(new ConnectionClosedException(
                $"The client is not connected (it is {State}): PingAsync pings the open connection and does not wait for one."));
    }

    /// <summary>Queues a message; completes when queued (not when sent). While the queue is full it waits, drops the
    /// oldest, or fails, as <see cref="ReconnectOptions.SendOverflow"/> says.</summary>
    /// <param name="message">The message.</param>
    /// <param name="cancellationToken">Cancels the wait for room.</param>
    /// <exception cref="InvalidOperationException"><see cref="WebSocketClientOptions.Messaging"/> is set: use
    /// <see cref="PublishAsync(string, Message, CancellationToken)"/> or <see cref="RequestAsync"/>.</exception>
    public ValueTask SendAsync(Message message, CancellationToken cancellationToken = default) =>
        _messaging is null ? _sender.SendAsync(message, cancellationToken) : throw new InvalidOperationException(Messaging.ClientMessaging.RawSendRefusal);

    /// <summary>Queues a text message.</summary>
    /// <inheritdoc cref="SendAsync(Message, CancellationToken)"/>
    public ValueTask SendAsync(string text, CancellationToken cancellationToken = default) =>
        SendAsync(Message.Text(text), cancellationToken);

    /// <summary>Queues a message that is sent only if a connection takes it within <paramref name="timeToLive"/>: a
    /// message that waits longer in the client's queue (disconnected, or behind others) is never sent, is counted in
    /// <see cref="ExpiredOutgoing"/>, and its task fails with <see cref="MessageExpiredException"/> at once (on the
    /// client's clock, <see cref="ConnectionOptions.Scheduler"/>). Unlike the other overloads, the task completes when
    /// the message is handed to a connection, not when it is queued: the caller learns whether it left.</summary>
    /// <param name="message">The message.</param>
    /// <param name="timeToLive">How long it may wait in the client's queue; positive.</param>
    /// <param name="cancellationToken">Cancels the wait for room in the queue (not the wait for a connection).</param>
    /// <returns>Completes when the message is handed to a connection.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="timeToLive"/> is zero or negative.</exception>
    /// <exception cref="MessageExpiredException">In the task: it expired before a connection took it.</exception>
    /// <exception cref="InvalidOperationException">In the task: the queue was full under <see cref="SendQueueOverflow.Fail"/>,
    /// or the message was dropped under <see cref="SendQueueOverflow.DropOldest"/>. Thrown: <see cref="WebSocketClientOptions.Messaging"/> is set.</exception>
    /// <exception cref="ObjectDisposedException">In the task: the client was disposed before it was sent.</exception>
    public ValueTask SendAsync(Message message, TimeSpan timeToLive, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(timeToLive, TimeSpan.Zero);
        return _messaging is null ? _sender.SendAsync(message, timeToLive, cancellationToken) : throw new InvalidOperationException(Messaging.ClientMessaging.RawSendRefusal);
    }

    /// <summary>Queues a binary message. The bytes are not copied: do not change them until they are sent.</summary>
    /// <inheritdoc cref="SendAsync(Message, CancellationToken)"/>
    public ValueTask SendAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default) =>
        SendAsync(Message.Binary(data), cancellationToken);
}
