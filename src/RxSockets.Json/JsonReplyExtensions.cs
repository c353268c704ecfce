namespace RxSockets.Json;

/// <summary>Error replies in the <c>{"type":"error",…}</c> style, for servers that answer a bad request instead of
/// closing the connection.</summary>
/// <remarks>Thread-safe, with the same queueing and backpressure as <see cref="WebSocketConnection.SendAsync(Message, CancellationToken)"/>.</remarks>
public static class JsonReplyExtensions
{
    /// <summary>Sends <c>{"type":"error","reason":<paramref name="reason"/>,"detail":<paramref name="detail"/>}</c>
    /// (without <c>detail</c> when it is null).</summary>
    /// <param name="connection">The connection.</param>
    /// <param name="reason">A short machine-readable reason, such as <c>"unknown-type"</c>.</param>
    /// <param name="detail">A description for people; null to leave it out.</param>
    /// <param name="cancellationToken">Cancels the wait for room in the send queue.</param>
    /// <returns>Completes when the reply is queued.</returns>
    /// <exception cref="ConnectionClosedException">In the task: the connection is closing or closed.</exception>
    public static ValueTask ReplyErrorAsync(this WebSocketConnection connection, string reason, string? detail = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(reason);
        return connection.SendAsync(JsonErrorReply.Create("type", "error", reason, detail), cancellationToken);
    }

    /// <summary>Answers a dead letter: <c>{"type":"error","reason":"unknown-discriminator","detail":"Unknown message
    /// type 'x'."}</c>; the reasons are <c>not-json</c>, <c>missing-discriminator</c>, <c>unknown-discriminator</c>,
    /// <c>bind-failed</c> and <c>handler-failed</c>.</summary>
    /// <param name="connection">The connection.</param>
    /// <param name="deadLetter">The message that could not be routed.</param>
    /// <param name="cancellationToken">Cancels the wait for room in the send queue.</param>
    /// <returns>Completes when the reply is queued.</returns>
    /// <exception cref="ConnectionClosedException">In the task: the connection is closing or closed.</exception>
    public static ValueTask ReplyErrorAsync(this WebSocketConnection connection, JsonDeadLetter deadLetter,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(deadLetter);
        return connection.ReplyErrorAsync(JsonErrorReply.ReasonCode(deadLetter.Reason), deadLetter.Description, cancellationToken);
    }
}
