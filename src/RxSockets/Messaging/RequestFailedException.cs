namespace RxSockets.Messaging;

/// <summary>A request of the messaging protocol ended without a reply: the other side answered <c>err</c> with a
/// <see cref="Code"/> (<see cref="ProtocolErrorCodes"/>), or it was not answered in time
/// (<see cref="ProtocolErrorCodes.Timeout"/>), or too many were pending (<see cref="ProtocolErrorCodes.Limit"/>).</summary>
internal sealed class RequestFailedException(string code, string? reason)
    : Exception(reason is null ? $"The request failed: {code}." : $"The request failed: {code}: {reason}")
{
    /// <summary>The error code.</summary>
    public string Code { get; } = code;

    /// <summary>The other side's explanation, if any.</summary>
    public string? Reason { get; } = reason;
}
