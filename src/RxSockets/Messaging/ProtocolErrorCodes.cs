namespace RxSockets.Messaging;

/// <summary>The error codes of <c>err</c> frames (docs/messaging-protocol.md); an unknown one means
/// <see cref="Internal"/>.</summary>
internal static class ProtocolErrorCodes
{
    public const string BadRequest = "bad_request";
    public const string Forbidden = "forbidden";
    public const string NotFound = "not_found";
    public const string Limit = "limit";
    public const string Timeout = "timeout";
    public const string Unavailable = "unavailable";
    public const string Internal = "internal";
}
