namespace RxSockets.Connection;

/// <summary>
/// Per-client state that outlives the physical connections of a reconnecting <c>WebSocketClient</c>: the client calls
/// it around every connection it opens. The resumable-session protocol (numbered messages, acknowledgements, replay)
/// implements it; without one the client runs plain RFC 6455 connections and every reconnect is a fresh session.
/// </summary>
/// <remarks>
/// Call order per physical connection: <see cref="SubProtocols"/> is offered in the handshake;
/// <see cref="AttachAsync"/> runs once after the handshake succeeded and before any user message is sent or delivered
/// (it may exchange its own messages and replay what the peer missed); then every inbound message goes through
/// <see cref="ConsumeIncomingAsync"/> and, unless consumed, <see cref="TryUnwrapIncoming"/>, and every outbound user
/// message through <see cref="WrapOutgoing"/>, in order, on
/// the client's single send path; <see cref="Detach"/> runs when the connection is gone, before the next attempt.
/// </remarks>
internal interface IClientSessionLayer
{
    /// <summary>Subprotocols to offer in each handshake, before the user's own.</summary>
    IReadOnlyList<string> SubProtocols { get; }

    /// <summary>
    /// Binds a freshly opened connection. Returns <see langword="true"/> when the previous session continued without a
    /// gap (resumed) and <see langword="false"/> when this is a fresh session (first connection, expired session, log
    /// overflow, or a peer that does not speak the protocol).
    /// </summary>
    ValueTask<bool> AttachAsync(WebSocketConnection connection, CancellationToken cancellationToken);

    /// <summary>
    /// Turns a message read from the wire into the user's message. Returns <see langword="false"/> for messages that
    /// belong to the layer itself (acknowledgements, duplicates already delivered), which must not reach the user.
    /// </summary>
    bool TryUnwrapIncoming(in Message wire, out Message user);

    /// <summary>
    /// Offered every inbound message first, on the read loop: returns <see langword="true"/> when the layer consumed it
    /// (it reaches neither <see cref="TryUnwrapIncoming"/> nor the user). It may wait, and the socket is not read
    /// meanwhile (backpressure: the messaging layer waits here for slow topic consumers).
    /// </summary>
    ValueTask<bool> ConsumeIncomingAsync(WebSocketConnection connection, Message wire, CancellationToken cancellationToken) => new(false);

    /// <summary>Turns a user message into the message to put on the wire (numbering, remembering it for replay).</summary>
    Message WrapOutgoing(in Message user);

    /// <summary>The current connection is gone; the layer keeps its state for the next <see cref="AttachAsync"/>.</summary>
    void Detach();
}
