namespace RxSockets;

/// <summary>The error codes of the messaging protocol's <c>err</c> frames (<see cref="RequestFailedException.Code"/>);
/// a peer treats an unknown one as <see cref="Internal"/>.</summary>
public static class MessagingErrorCodes
{
    /// <summary>A malformed field (a topic name too long, a position that is not <c>OFFSET@EPOCH</c>).</summary>
    public const string BadRequest = "bad_request";

    /// <summary>An authorization hook refused; the reason says why.</summary>
    public const string Forbidden = "forbidden";

    /// <summary>No handler for the request's name.</summary>
    public const string NotFound = "not_found";

    /// <summary>Too many subscriptions on the connection, or too many requests pending.</summary>
    public const string Limit = "limit";

    /// <summary>No answer in time.</summary>
    public const string Timeout = "timeout";

    /// <summary>The backplane is unreachable; retry later.</summary>
    public const string Unavailable = "unavailable";

    /// <summary>The handler failed (no details leak).</summary>
    public const string Internal = "internal";
}
