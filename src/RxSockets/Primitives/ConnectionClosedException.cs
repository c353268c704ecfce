namespace RxSockets;

/// <summary>The connection ended other than by a clean close handshake, or an operation needed an open connection.</summary>
/// <remarks><see cref="Exception.InnerException"/> holds the cause when there is one: a
/// <see cref="ProtocolException"/>, a <see cref="TimeoutException"/> (heartbeat or close timeout), or an I/O error.</remarks>
public sealed class ConnectionClosedException : RxSocketsException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">What happened.</param>
    /// <param name="sent">The close status we sent, if any.</param>
    /// <param name="received">The close status the peer sent, if any.</param>
    /// <param name="innerException">The cause, if any.</param>
    public ConnectionClosedException(string message, CloseStatus? sent = null, CloseStatus? received = null, Exception? innerException = null)
        : base(message, innerException)
    {
        Sent = sent;
        Received = received;
    }

    /// <summary>The close status we sent, or null if we sent none.</summary>
    public CloseStatus? Sent { get; }

    /// <summary>The close status the peer sent, or null if none arrived (an abnormal closure, 1006).</summary>
    public CloseStatus? Received { get; }

    /// <summary>The code that describes the closure: the received code, else the sent one, else 1006.</summary>
    public CloseCode Code => Received?.Code ?? Sent?.Code ?? CloseCode.AbnormalClosure;
}
