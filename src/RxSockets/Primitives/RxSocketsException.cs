namespace RxSockets;

/// <summary>The base of every exception RxSockets raises for WebSocket-level failures.</summary>
/// <remarks>Argument and state errors are plain BCL exceptions; cancellation is never wrapped.</remarks>
public abstract class RxSocketsException : Exception
{
    /// <summary>Creates the exception with a message and an optional cause.</summary>
    /// <param name="message">What went wrong, in a sentence that says what to fix where possible.</param>
    /// <param name="innerException">The underlying cause, if any.</param>
    protected RxSocketsException(string message, Exception? innerException = null)
        : base(message, innerException)
    {
    }
}
