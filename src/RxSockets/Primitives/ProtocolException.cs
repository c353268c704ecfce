namespace RxSockets;

/// <summary>The peer broke RFC 6455 (or a limit we enforce); the connection is closed with <see cref="Code"/>.</summary>
public sealed class ProtocolException : RxSocketsException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="code">The close code the connection fails with (1002, 1007, 1009, …).</param>
    /// <param name="message">What the peer did wrong.</param>
    public ProtocolException(CloseCode code, string message)
        : base(message)
    {
        Code = code;
    }

    /// <summary>The close code sent to the peer.</summary>
    public CloseCode Code { get; }
}
