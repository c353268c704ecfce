using System.Collections.ObjectModel;
using System.Net.Http.Headers;

namespace RxSockets;

/// <summary>
/// The client's opening handshake failed: the server refused the upgrade with an HTTP error, answered with an
/// invalid <c>101 Switching Protocols</c>, answered something that is not HTTP, or did not answer in time.
/// </summary>
/// <remarks>
/// <para><see cref="StatusCode"/> is the status of the server's answer whenever there was one — including 101 when
/// the switch itself was invalid (a wrong <c>Sec-WebSocket-Accept</c>, an unoffered subprotocol) — and null when no
/// valid HTTP answer arrived (a timeout, a malformed or missing response).</para>
/// <para>Instances are immutable once thrown and safe to read from any thread.</para>
/// </remarks>
public sealed class HandshakeException : RxSocketsException
{
    /// <summary>The most bytes of a refusal's body that <see cref="Body"/> keeps.</summary>
    internal const int MaxBodyExcerptBytes = 1024;

    internal HandshakeException(
        string message, int? statusCode, IReadOnlyDictionary<string, string>? headers, string? body, bool isTransient,
        Exception? innerException = null)
        : base(message, innerException)
    {
        StatusCode = statusCode;
        Headers = headers is null || headers.Count == 0
            ? ReadOnlyDictionary<string, string>.Empty
            : new Dictionary<string, string>(headers, StringComparer.OrdinalIgnoreCase).AsReadOnly();
        Body = body;
        IsTransient = isTransient;
    }

    /// <summary>The HTTP status of the server's answer, or null when no valid HTTP answer arrived.</summary>
    public int? StatusCode { get; }

    /// <summary>
    /// The response headers with case-insensitive names (a repeated header's values joined with ", "), or empty when
    /// there was no response.
    /// </summary>
    public IReadOnlyDictionary<string, string> Headers { get; }

    /// <summary>
    /// The response's <c>Retry-After</c> header, parsed: <see cref="RetryConditionHeaderValue.Delta"/> for a number of
    /// seconds, <see cref="RetryConditionHeaderValue.Date"/> for an HTTP date; null when absent or invalid. A
    /// <see cref="WebSocketClient"/> refused with 429 or 503 waits at least that long before its next attempt (see
    /// <see cref="ReconnectOptions.MaxRetryAfter"/>).
    /// </summary>
    public RetryConditionHeaderValue? RetryAfter =>
        Headers.TryGetValue("Retry-After", out var value) && RetryConditionHeaderValue.TryParse(value.Trim(), out var parsed) ? parsed : null;

    /// <summary>
    /// At most the first 1 KiB of the refusal's body, decoded as UTF-8 with invalid bytes replaced; null when there
    /// was no body.
    /// </summary>
    public string? Body { get; }

    /// <summary>
    /// Whether trying again later may succeed: true for 5xx, 408, 429, timeouts and connections lost mid-handshake;
    /// false for other refusals (4xx such as 401, 403, 404) and for invalid answers, which retrying will not fix.
    /// </summary>
    public bool IsTransient { get; }

    /// <summary>Tells whether an HTTP refusal with <paramref name="statusCode"/> is worth retrying.</summary>
    internal static bool IsTransientStatus(int statusCode) => statusCode is >= 500 or 408 or 429;

    /// <summary>The handshake did not complete within <paramref name="timeout"/>.</summary>
    internal static HandshakeException TimedOut(TimeSpan timeout)
    {
        var message = $"WebSocket handshake failed: no answer from the server within {timeout}";
        return new(message, null, null, null, isTransient: true, new TimeoutException(message));
    }

    /// <summary>The connection ended before a complete response head arrived.</summary>
    internal static HandshakeException ConnectionClosed(Exception? innerException = null) =>
        new("WebSocket handshake failed: the server closed the connection before answering", null, null, null,
            isTransient: true, innerException);

    /// <summary>The server's answer is not valid HTTP/1.1, or its head is too large.</summary>
    internal static HandshakeException MalformedResponse(string reason) =>
        new($"WebSocket handshake failed: the server's answer is not valid HTTP ({reason})", null, null, null,
            isTransient: false);
}
