using System.Buffers;

namespace RxSockets.Protocol.Handshake;

/// <summary>
/// A parsed HTTP/1.1 message head: the start line and the header fields, without the body.
/// Header names compare case-insensitively; repeated fields are kept in order.
/// </summary>
/// <remarks>Immutable and therefore thread-safe.</remarks>
internal sealed class HttpHead
{
    /// <summary>The default limit on the number of header fields in one head.</summary>
    internal const int DefaultMaxHeaderCount = 100;

    private readonly KeyValuePair<string, string>[] _headers;

    private HttpHead(
        HttpHeadKind kind, string method, string target, Version version, int statusCode, string reasonPhrase,
        KeyValuePair<string, string>[] headers)
    {
        Kind = kind;
        Method = method;
        Target = target;
        Version = version;
        StatusCode = statusCode;
        ReasonPhrase = reasonPhrase;
        _headers = headers;
    }

    /// <summary>Whether this is a request or a response head.</summary>
    public HttpHeadKind Kind { get; }

    /// <summary>The request method, case-sensitive as sent (RFC 9110 §9.1); empty for a response.</summary>
    public string Method { get; }

    /// <summary>The raw request-target; empty for a response.</summary>
    public string Target { get; }

    /// <summary>The HTTP version of the start line.</summary>
    public Version Version { get; }

    /// <summary>The three-digit status code of a response; 0 for a request.</summary>
    public int StatusCode { get; }

    /// <summary>The reason phrase of a response, possibly empty; empty for a request.</summary>
    public string ReasonPhrase { get; }

    /// <summary>Every header field in arrival order, names as sent and values trimmed of whitespace.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Headers => _headers;

    /// <summary>The fields themselves, for a <see cref="HandshakeRequest"/> to keep without a copy: neither changes them.</summary>
    internal KeyValuePair<string, string>[] Fields => _headers;

    /// <summary>Parses one head from the start of <paramref name="buffer"/>.</summary>
    /// <param name="buffer">The received bytes; on <see cref="HttpHeadParseStatus.Complete"/> it is advanced past
    /// the head's empty line (what follows is body or WebSocket frames), otherwise it is left as it was.</param>
    /// <param name="kind">Whether a request or a response is expected.</param>
    /// <param name="maxHeaderBytes">The most bytes the head may take, its final empty line included.</param>
    /// <param name="head">The parsed head on <see cref="HttpHeadParseStatus.Complete"/>, otherwise null.</param>
    /// <param name="error">A short reason on <see cref="HttpHeadParseStatus.Malformed"/> or
    /// <see cref="HttpHeadParseStatus.TooLarge"/>, otherwise null.</param>
    /// <param name="maxHeaderCount">The most header fields the head may carry.</param>
    /// <returns>Whether a head was parsed, more data is needed, or the peer must be refused.</returns>
    /// <remarks>
    /// See <see cref="HttpHeadParser"/> for the exact strictness rules. On
    /// <see cref="HttpHeadParseStatus.NeedMoreData"/> a PipeReader caller marks the whole buffer examined
    /// (<c>AdvanceTo(buffer.Start, buffer.End)</c>) and reads again; the parser rescans, which the size bound keeps cheap.
    /// </remarks>
    public static HttpHeadParseStatus TryParse(
        ref ReadOnlySequence<byte> buffer, HttpHeadKind kind, int maxHeaderBytes, out HttpHead? head, out string? error,
        int maxHeaderCount = DefaultMaxHeaderCount) =>
        HttpHeadParser.TryParse(ref buffer, kind, maxHeaderBytes, maxHeaderCount, out head, out error);

    /// <summary>Creates a request head; the parser's factory, also handy in tests.</summary>
    internal static HttpHead CreateRequest(
        string method, string target, Version version, KeyValuePair<string, string>[] headers) =>
        new(HttpHeadKind.Request, method, target, version, 0, string.Empty, headers);

    /// <summary>Creates a response head; the parser's factory, also handy in tests.</summary>
    internal static HttpHead CreateResponse(
        Version version, int statusCode, string reasonPhrase, KeyValuePair<string, string>[] headers) =>
        new(HttpHeadKind.Response, string.Empty, string.Empty, version, statusCode, reasonPhrase, headers);

    /// <summary>Every value of the fields named <paramref name="name"/>, in arrival order.</summary>
    public IReadOnlyList<string> GetValues(string name)
    {
        List<string>? values = null;
        foreach (var header in _headers)
        {
            if (string.Equals(header.Key, name, StringComparison.OrdinalIgnoreCase))
            {
                (values ??= []).Add(header.Value);
            }
        }

        return values ?? (IReadOnlyList<string>)[];
    }

    /// <summary>
    /// The combined value of the fields named <paramref name="name"/>: one value as is, several joined with ", "
    /// (RFC 9110 §5.3), or null when there is none.
    /// </summary>
    public string? GetValue(string name) => Count(name, out var first) switch
    {
        0 => null,
        1 => first,
        _ => string.Join(", ", GetValues(name)),
    };

    /// <summary>How many fields are named <paramref name="name"/>, without allocating.</summary>
    /// <param name="name">The field name, compared case-insensitively.</param>
    /// <param name="first">The first such field's value, or null when there is none.</param>
    /// <returns>The number of fields.</returns>
    public int Count(string name, out string? first)
    {
        first = null;
        var count = 0;
        foreach (var header in _headers)
        {
            if (string.Equals(header.Key, name, StringComparison.OrdinalIgnoreCase))
            {
                first ??= header.Value;
                count++;
            }
        }

        return count;
    }

    /// <summary>
    /// Tells whether any field named <paramref name="name"/>, read as a comma-separated list, holds
    /// <paramref name="token"/> (ignoring case), as in <c>Connection: keep-alive, Upgrade</c>.
    /// </summary>
    public bool ContainsToken(string name, string token)
    {
        foreach (var header in _headers)
        {
            if (string.Equals(header.Key, name, StringComparison.OrdinalIgnoreCase)
                && HttpSyntax.ListContains(header.Value, token))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The trimmed, non-empty elements of every field named <paramref name="name"/>, read as lists.</summary>
    public IReadOnlyList<string> GetListElements(string name)
    {
        List<string>? elements = null;
        foreach (var header in _headers)
        {
            if (string.Equals(header.Key, name, StringComparison.OrdinalIgnoreCase))
            {
                HttpSyntax.SplitList(header.Value, elements ??= []);
            }
        }

        return elements ?? (IReadOnlyList<string>)[];
    }
}
