namespace RxSockets;

/// <summary>
/// What a single <see cref="WebSocketConnection"/> and the reconnecting <see cref="WebSocketClient"/> have in common:
/// messages in and out, pings, closing and counters. Code written against it (the JSON extensions of RxSockets.Json,
/// <see cref="MessageStreamExtensions"/>, your own helpers) serves both.
/// </summary>
/// <remarks>
/// <para>The two differ in lifetime, and the members say so: on a connection, <see cref="SendAsync(Message, CancellationToken)"/>
/// fails once it is closing, and <see cref="Incoming"/> ends with it; on a client, sends made while disconnected are
/// queued for the next connection, and <see cref="Incoming"/> spans every connection until the client is disposed.</para>
/// <para>Every member may be called from any thread.</para>
/// </remarks>
public interface IWebSocketChannel : IAsyncDisposable
{
    /// <summary>The URL connected to (a connection), or the URL of the next attempt (a client).</summary>
    Uri Url { get; }

    /// <summary>Whether a connection is open now: this one (a connection), or the client's current one (a client, which
    /// queues what is sent while this is false).</summary>
    bool IsConnected { get; }

    /// <summary>Received messages: hot and multicast, nothing lost before the first subscription.</summary>
    IObservable<Message> Incoming { get; }

    /// <summary>The send sink.</summary>
    IObserver<Message> Outgoing { get; }

    /// <summary>Payloads of pings received.</summary>
    IObservable<ReadOnlyMemory<byte>> Pings { get; }

    /// <summary>Payloads of pongs received.</summary>
    IObservable<ReadOnlyMemory<byte>> Pongs { get; }

    /// <summary>The round-trip time of every ping answered, keepalive pings included.</summary>
    IObservable<TimeSpan> Rtt { get; }

    /// <summary>Messages dropped instead of sent (see the implementation for which).</summary>
    long DroppedOutgoing { get; }

    /// <summary>Reads received messages with <c>await foreach</c>; use it or <see cref="Incoming"/>, not both.</summary>
    /// <param name="cancellationToken">Stops the enumeration (not the connection).</param>
    /// <returns>The received messages.</returns>
    IAsyncEnumerable<Message> ReadAllAsync(CancellationToken cancellationToken = default);

    /// <summary>Queues a message; completes when queued, waiting while the queue is full.</summary>
    /// <param name="message">The message.</param>
    /// <param name="cancellationToken">Cancels the wait for room in the queue.</param>
    /// <returns>Completes when the message is queued.</returns>
    ValueTask SendAsync(Message message, CancellationToken cancellationToken = default);

    /// <summary>Queues a text message.</summary>
    /// <param name="text">The text.</param>
    /// <param name="cancellationToken">Cancels the wait for room in the queue.</param>
    /// <returns>Completes when the message is queued.</returns>
    ValueTask SendAsync(string text, CancellationToken cancellationToken = default);

    /// <summary>Queues a binary message; the bytes are not copied, so do not change them until they are sent.</summary>
    /// <param name="data">The bytes.</param>
    /// <param name="cancellationToken">Cancels the wait for room in the queue.</param>
    /// <returns>Completes when the message is queued.</returns>
    ValueTask SendAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default);

    /// <summary>Sends a ping and completes with the round-trip time when its pong arrives.</summary>
    /// <param name="payload">Up to 125 bytes; empty to let the connection choose a unique payload.</param>
    /// <param name="cancellationToken">Stops waiting for the pong.</param>
    /// <returns>The round-trip time.</returns>
    /// <exception cref="ConnectionClosedException">In the task: there is no open connection, or it closed first.</exception>
    ValueTask<TimeSpan> PingAsync(ReadOnlyMemory<byte> payload = default, CancellationToken cancellationToken = default);

    /// <summary>Closes with the close handshake, sending <paramref name="code"/> and <paramref name="reason"/> (a client
    /// also stops reconnecting).</summary>
    /// <param name="code">The code to send: 1000–1003, 1007–1014 or 3000–4999.</param>
    /// <param name="reason">At most 123 UTF-8 bytes.</param>
    /// <param name="cancellationToken">Stops waiting (the close goes on).</param>
    /// <returns>Completes when closed.</returns>
    /// <exception cref="ArgumentException">The code may not be sent or the reason is too long.</exception>
    Task CloseAsync(CloseCode code = CloseCode.NormalClosure, string reason = "", CancellationToken cancellationToken = default);

    /// <summary>True between <see cref="Pause"/> and <see cref="Resume"/>.</summary>
    bool IsPaused { get; }

    /// <summary>Stops reading from the socket (TCP back-pressure then reaches the peer); nothing is lost. A client
    /// pauses its current connection and every later one until <see cref="Resume"/>. Idempotent.</summary>
    void Pause();

    /// <summary>Reads again after <see cref="Pause"/>. Idempotent.</summary>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Naming", "CA1716:Identifiers should not match keywords",
        Justification = "Pause/Resume are the names ws and Node streams use; VB callers can still call it, an implementer writes [Resume].")]
    void Resume();
}
