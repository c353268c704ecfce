namespace RxSockets.Protocol.Handshake;

/// <summary>The standard reason phrases (RFC 9110 §15) of the status codes the handshake speaks.</summary>
/// <remarks>Stateless and thread-safe.</remarks>
internal static class HttpReasonPhrase
{
    /// <summary>The reason phrase for <paramref name="statusCode"/>, or a generic one for its class.</summary>
    public static string For(int statusCode) => statusCode switch
    {
        101 => "Switching Protocols",
        200 => "OK",
        301 => "Moved Permanently",
        302 => "Found",
        307 => "Temporary Redirect",
        308 => "Permanent Redirect",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        408 => "Request Timeout",
        409 => "Conflict",
        413 => "Content Too Large",
        426 => "Upgrade Required",
        429 => "Too Many Requests",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        505 => "HTTP Version Not Supported",
        >= 100 and < 200 => "Informational",
        >= 200 and < 300 => "Success",
        >= 300 and < 400 => "Redirection",
        >= 400 and < 500 => "Client Error",
        _ => "Server Error",
    };
}
