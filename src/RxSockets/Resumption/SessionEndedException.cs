namespace RxSockets.Resumption;

/// <summary>
/// The client came back to resume a session that the server had ended meanwhile (its close was lost): the server
/// answered with the end instead of resuming. The reconnecting client stops there, whatever its reconnect policy,
/// and reports <see cref="Closure"/> (cleanly when the code is 1000).
/// </summary>
internal sealed class SessionEndedException(string sessionId, CloseStatus status)
    : RxSocketsException($"The server ended the resumable session {sessionId} with {(int)status.Code} {status.Reason}".TrimEnd() + ".")
{
    /// <summary>How the server ended the session.</summary>
    public CloseStatus Status { get; } = status;

    /// <summary>Whether the session ended normally (1000): the client got everything and stops cleanly.</summary>
    public bool Normal => Status.Code == CloseCode.NormalClosure;

    /// <summary>The end as the client reports it: as if the lost close had arrived.</summary>
    public ConnectionClosedException Closure => new(Message, received: Status, innerException: this);
}
