namespace RxSockets;

/// <summary>A request-like operation of the messaging protocol (<c>rxsockets.v1</c>: a request, an acknowledged
/// publish, a subscription) ended without success: the other side answered <c>err</c> with a <see cref="Code"/>
/// (<see cref="MessagingErrorCodes"/>), or it was not answered in time (<see cref="MessagingErrorCodes.Timeout"/>), or
/// too many were pending (<see cref="MessagingErrorCodes.Limit"/>).</summary>
public sealed class RequestFailedException : RxSocketsException
{
    /// <summary>Creates the exception; a request handler throws it to answer with this error code and reason.</summary>
    /// <param name="code">The error code (<see cref="MessagingErrorCodes"/>, or an application's own).</param>
    /// <param name="reason">A human-readable explanation sent to the other side, if any.</param>
    public RequestFailedException(string code, string? reason = null)
        : base(reason is null ? $"The request failed: {code}." : $"The request failed: {code}: {reason}")
    {
        ArgumentException.ThrowIfNullOrEmpty(code);
        Code = code;
        Reason = reason;
    }

    /// <summary>The error code (<see cref="MessagingErrorCodes"/>).</summary>
    public string Code { get; }

    /// <summary>The other side's explanation, if any.</summary>
    public string? Reason { get; }
}
