using System.Collections.ObjectModel;
using RxSockets.Protocol.Handshake;

namespace RxSockets;

/// <summary>
/// A server's refusal of an opening handshake: the HTTP error status, a short reason sent as a plain-text body, and
/// extra response headers (for example <c>WWW-Authenticate</c> or <c>Retry-After</c>). A verification hook returns
/// one to refuse a client, or null to accept it.
/// </summary>
/// <remarks>Instances are immutable and therefore safe to share between threads.</remarks>
public sealed class HandshakeRejection
{
    private static readonly string[] s_reservedHeaders =
        ["Content-Length", "Content-Type", "Connection", "Transfer-Encoding"];

    /// <summary>Creates a rejection.</summary>
    /// <param name="statusCode">The HTTP status to answer, from 400 to 599: an error, never an accepted upgrade.</param>
    /// <param name="reason">The body text; null sends the status's standard reason phrase.</param>
    /// <param name="headers">Extra response headers. <c>Content-Length</c>, <c>Content-Type</c>,
    /// <c>Connection</c> and <c>Transfer-Encoding</c> are written by the server and may not be given.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="statusCode"/> is outside 400–599.</exception>
    /// <exception cref="ArgumentException">A header name is not an HTTP token, is reserved, or a value holds a
    /// control character such as CR or LF.</exception>
    public HandshakeRejection(int statusCode, string? reason = null, IReadOnlyDictionary<string, string>? headers = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(statusCode, 400);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(statusCode, 599);
        StatusCode = statusCode;
        Reason = reason;
        Headers = headers is null || headers.Count == 0 ? ReadOnlyDictionary<string, string>.Empty : Copy(headers);
    }

    /// <summary>The HTTP status code of the answer, from 400 to 599.</summary>
    public int StatusCode { get; }

    /// <summary>The plain-text body, or null for the standard reason phrase of <see cref="StatusCode"/>.</summary>
    public string? Reason { get; }

    /// <summary>The extra response headers, with case-insensitive names; empty when none.</summary>
    public IReadOnlyDictionary<string, string> Headers { get; }

    /// <summary>The error that made the server refuse (a failing hook), reported on
    /// <see cref="WebSocketServer.HandshakeFailures"/>; null for a deliberate refusal.</summary>
    internal Exception? Cause { get; init; }

    private static ReadOnlyDictionary<string, string> Copy(IReadOnlyDictionary<string, string> headers)
    {
        var copy = new Dictionary<string, string>(headers.Count, StringComparer.OrdinalIgnoreCase);
        foreach (var (name, value) in headers)
        {
            if (!HttpSyntax.IsToken(name))
            {
                throw new ArgumentException($"'{name}' is not a valid HTTP header name.", nameof(headers));
            }

            if (s_reservedHeaders.Contains(name, StringComparer.OrdinalIgnoreCase))
            {
                throw new ArgumentException($"The '{name}' header is written by the server.", nameof(headers));
            }

            if (value is null || !HttpSyntax.IsFieldValue(value))
            {
                throw new ArgumentException($"The value of the '{name}' header holds a control character.", nameof(headers));
            }

            if (!copy.TryAdd(name, HttpSyntax.TrimWhitespace(value)))
            {
                throw new ArgumentException($"The '{name}' header is given twice.", nameof(headers));
            }
        }

        return copy.AsReadOnly();
    }
}
