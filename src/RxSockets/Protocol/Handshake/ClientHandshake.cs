using System.Buffers;
using System.Globalization;
using System.Text;

namespace RxSockets.Protocol.Handshake;

/// <summary>
/// The client side of the opening handshake (RFC 6455 §4.1), sans I/O: it writes the upgrade request and checks the
/// server's answer. The transport reads and writes the bytes.
/// </summary>
/// <remarks>Immutable after construction and therefore thread-safe.</remarks>
internal sealed class ClientHandshake
{
    private static readonly string[] s_reservedHeaders =
    [
        "Host", "Upgrade", "Connection", "Sec-WebSocket-Key", "Sec-WebSocket-Version", "Sec-WebSocket-Accept",
        "Sec-WebSocket-Protocol", "Sec-WebSocket-Extensions", "Content-Length", "Transfer-Encoding",
    ];

    private static readonly UTF8Encoding s_lossyUtf8 = new(encoderShouldEmitUTF8Identifier: false);

    private readonly string _target;
    private readonly string _host;
    private readonly string[] _subProtocols;
    private readonly KeyValuePair<string, string>[] _headers;
    private readonly string? _origin;
    private readonly string? _extensions;

    /// <summary>Creates the handshake for one connection attempt.</summary>
    /// <param name="uri">An absolute ws:// or wss:// URI without a fragment.</param>
    /// <param name="subProtocols">The subprotocols to offer, most preferred first; each an HTTP token, no repeats.</param>
    /// <param name="headers">Extra request headers (Authorization, Cookie, User-Agent…). The handshake's own
    /// headers may not be given; <c>Origin</c> may, unless <paramref name="origin"/> is also set.</param>
    /// <param name="origin">The <c>Origin</c> to send, or null for none.</param>
    /// <param name="extensions">The <c>Sec-WebSocket-Extensions</c> offer to send, or null for none.</param>
    /// <param name="key">The Sec-WebSocket-Key; null creates a random one. Tests inject a fixed key.</param>
    /// <exception cref="ArgumentException">An argument is invalid; CR or LF anywhere in a header is refused.</exception>
    public ClientHandshake(
        Uri uri, IEnumerable<string>? subProtocols = null, IEnumerable<KeyValuePair<string, string>>? headers = null,
        string? origin = null, string? extensions = null, string? key = null)
    {
        ArgumentNullException.ThrowIfNull(uri);
        if (!uri.IsAbsoluteUri || uri.Scheme is not ("ws" or "wss"))
        {
            throw new ArgumentException("The URI must be absolute, with the ws or wss scheme.", nameof(uri));
        }

        // RFC 6455 §3: fragment identifiers are meaningless in WebSocket URIs and must not be used.
        if (uri.Fragment.Length > 0)
        {
            throw new ArgumentException("A WebSocket URI must not have a fragment.", nameof(uri));
        }

        if (key is not null && !AcceptKey.IsValidClientKey(key))
        {
            throw new ArgumentException("The key must be the base64 encoding of 16 bytes.", nameof(key));
        }

        Key = key ?? AcceptKey.CreateClientKey();
        ExpectedAccept = AcceptKey.Compute(Key);
        _target = uri.GetComponents(UriComponents.PathAndQuery, UriFormat.UriEscaped);
        _host = FormatHost(uri);
        _subProtocols = ValidateSubProtocols(subProtocols);
        _origin = origin is null ? null : ValidateValue(origin, nameof(origin));
        _extensions = extensions is null ? null : ValidateValue(extensions, nameof(extensions));
        _headers = ValidateHeaders(headers, origin is not null);
    }

    /// <summary>The Sec-WebSocket-Key this handshake sends.</summary>
    public string Key { get; }

    /// <summary>The Sec-WebSocket-Accept the server must answer.</summary>
    public string ExpectedAccept { get; }

    /// <summary>The subprotocols offered, most preferred first.</summary>
    public IReadOnlyList<string> SubProtocols => _subProtocols;

    /// <summary>Writes the whole upgrade request head, ending with its empty line.</summary>
    public void WriteRequest(IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(output);
        HttpHeadWriter.Write(output, "GET "u8);
        HttpHeadWriter.Write(output, _target);
        HttpHeadWriter.Write(output, " HTTP/1.1\r\n"u8);
        HttpHeadWriter.WriteField(output, "Host", _host);
        HttpHeadWriter.Write(output, "Upgrade: websocket\r\nConnection: Upgrade\r\n"u8);
        HttpHeadWriter.WriteField(output, "Sec-WebSocket-Key", Key);
        HttpHeadWriter.Write(output, "Sec-WebSocket-Version: 13\r\n"u8);
        if (_subProtocols.Length > 0)
        {
            HttpHeadWriter.WriteField(output, "Sec-WebSocket-Protocol", string.Join(", ", _subProtocols));
        }

        if (_origin is not null)
        {
            HttpHeadWriter.WriteField(output, "Origin", _origin);
        }

        if (_extensions is not null)
        {
            HttpHeadWriter.WriteField(output, "Sec-WebSocket-Extensions", _extensions);
        }

        foreach (var (name, value) in _headers)
        {
            HttpHeadWriter.WriteField(output, name, value);
        }

        HttpHeadWriter.WriteCrlf(output);
    }

    /// <summary>
    /// Checks the server's answer (RFC 6455 §4.1, the client's requirements 1–6). A refusal (any status but 101)
    /// throws without a body excerpt; a transport that wants one reads
    /// <see cref="GetBodyExcerptLength"/> bytes first and throws <see cref="Rejected"/> itself.
    /// </summary>
    /// <param name="response">The parsed response head.</param>
    /// <returns>The negotiated subprotocol and the raw extensions answer.</returns>
    /// <exception cref="HandshakeException">The server refused the upgrade or answered an invalid 101.</exception>
    public ClientHandshakeResult Validate(HttpHead response)
    {
        ArgumentNullException.ThrowIfNull(response);
        if (response.Kind != HttpHeadKind.Response)
        {
            throw new ArgumentException("A response head is required.", nameof(response));
        }

        if (response.StatusCode != 101)
        {
            throw Rejected(response, default);
        }

        if (!response.ContainsToken("Upgrade", "websocket"))
        {
            throw Invalid(response, "the server's answer lacks 'Upgrade: websocket'");
        }

        if (!response.ContainsToken("Connection", "upgrade"))
        {
            throw Invalid(response, "the server's answer lacks 'Connection: Upgrade'");
        }

        var accept = response.GetValues("Sec-WebSocket-Accept");
        if (accept.Count != 1 || !string.Equals(accept[0], ExpectedAccept, StringComparison.Ordinal))
        {
            throw Invalid(response, "the server's Sec-WebSocket-Accept does not match the key we sent");
        }

        var extensions = response.GetValue("Sec-WebSocket-Extensions");

        // RFC 6455 §4.1 (5): an extension we did not offer fails the connection. Matching each extension against the
        // offer is the extension layer's job; an answer to no offer at all is caught here.
        if (_extensions is null && !string.IsNullOrWhiteSpace(extensions))
        {
            throw Invalid(response, "the server accepted extensions we did not offer");
        }

        return new ClientHandshakeResult(ValidateSubProtocol(response), string.IsNullOrWhiteSpace(extensions) ? null : extensions);
    }

    /// <summary>
    /// Builds the exception for a refused upgrade: status, headers and the start of the body, which the transport
    /// read after the head.
    /// </summary>
    /// <param name="response">The response head; its status should not be 101.</param>
    /// <param name="bodyExcerpt">The first body bytes, at most <see cref="HandshakeException.MaxBodyExcerptBytes"/>
    /// of which are kept; empty for none.</param>
    /// <returns>The exception to throw.</returns>
    public static HandshakeException Rejected(HttpHead response, ReadOnlySpan<byte> bodyExcerpt)
    {
        ArgumentNullException.ThrowIfNull(response);
        var status = response.StatusCode;
        var phrase = response.ReasonPhrase.Length > 0 ? response.ReasonPhrase : HttpReasonPhrase.For(status);
        var excerpt = bodyExcerpt[..Math.Min(bodyExcerpt.Length, HandshakeException.MaxBodyExcerptBytes)];
        var body = excerpt.IsEmpty ? null : s_lossyUtf8.GetString(excerpt);
        return new HandshakeException(
            string.Create(CultureInfo.InvariantCulture, $"WebSocket handshake rejected: HTTP {status} {phrase}"),
            status, CollectHeaders(response), body, HandshakeException.IsTransientStatus(status));
    }

    /// <summary>
    /// Tells how many body bytes to read after a refusal's head for <see cref="Rejected"/>: the Content-Length
    /// bounded to 1 KiB, or, without one, up to 1 KiB until the server closes. A chunked body, and the bodiless
    /// statuses 1xx, 204 and 304, give 0: a chunked excerpt would need decoding for little gain.
    /// </summary>
    /// <param name="response">The response head.</param>
    /// <param name="untilClose">True when there is no length: read until the connection closes or the bound.</param>
    /// <returns>The most body bytes to read.</returns>
    public static int GetBodyExcerptLength(HttpHead response, out bool untilClose)
    {
        ArgumentNullException.ThrowIfNull(response);
        untilClose = false;
        if (response.StatusCode is < 200 or 204 or 304 || response.GetValue("Transfer-Encoding") is not null)
        {
            return 0;
        }

        var lengths = response.GetValues("Content-Length");
        if (lengths.Count == 1 && long.TryParse(lengths[0], NumberStyles.None, CultureInfo.InvariantCulture, out var length))
        {
            return (int)Math.Min(length, HandshakeException.MaxBodyExcerptBytes);
        }

        untilClose = true;
        return HandshakeException.MaxBodyExcerptBytes;
    }

    private string? ValidateSubProtocol(HttpHead response)
    {
        var values = response.GetValues("Sec-WebSocket-Protocol");
        if (values.Count == 0 || (values.Count == 1 && values[0].Length == 0))
        {
            return null;
        }

        // RFC 6455 §4.1 (6): the answer must be a single value, one of those we offered.
        if (values.Count > 1 || !_subProtocols.Contains(values[0], StringComparer.Ordinal))
        {
            throw Invalid(response, _subProtocols.Length == 0
                ? "the server selected a subprotocol although we offered none"
                : $"the server selected the subprotocol '{string.Join(", ", values)}', which we did not offer");
        }

        return values[0];
    }

    private static HandshakeException Invalid(HttpHead response, string reason) =>
        new($"WebSocket handshake failed: {reason}", response.StatusCode, CollectHeaders(response), null, isTransient: false);

    /// <summary>The response's headers by case-insensitive name, a repeated header's values joined with ", ".</summary>
    public static Dictionary<string, string> CollectHeaders(HttpHead response)
    {
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, value) in response.Headers)
        {
            headers[name] = headers.TryGetValue(name, out var previous) ? $"{previous}, {value}" : value;
        }

        return headers;
    }

    private static string FormatHost(Uri uri)
    {
        // Uri.Host keeps an IPv6 literal in brackets; IdnHost gives the ASCII (punycode) form of a name.
        var host = uri.HostNameType == UriHostNameType.IPv6 ? uri.Host : uri.IdnHost;
        return uri.IsDefaultPort ? host : string.Create(CultureInfo.InvariantCulture, $"{host}:{uri.Port}");
    }

    private static string[] ValidateSubProtocols(IEnumerable<string>? subProtocols)
    {
        if (subProtocols is null)
        {
            return [];
        }

        var list = subProtocols.ToArray();
        for (var i = 0; i < list.Length; i++)
        {
            // RFC 6455 §4.1 (10): each element is a token, and the offer holds no duplicates.
            if (list[i] is null || !HttpSyntax.IsToken(list[i]))
            {
                throw new ArgumentException($"The subprotocol '{list[i]}' is not an HTTP token.", nameof(subProtocols));
            }

            if (Array.IndexOf(list, list[i], 0, i) >= 0)
            {
                throw new ArgumentException($"The subprotocol '{list[i]}' is offered twice.", nameof(subProtocols));
            }
        }

        return list;
    }

    private static KeyValuePair<string, string>[] ValidateHeaders(
        IEnumerable<KeyValuePair<string, string>>? headers, bool hasOrigin)
    {
        if (headers is null)
        {
            return [];
        }

        var list = new List<KeyValuePair<string, string>>();
        foreach (var (name, value) in headers)
        {
            if (name is null || !HttpSyntax.IsToken(name))
            {
                throw new ArgumentException($"'{name}' is not a valid HTTP header name.", nameof(headers));
            }

            if (s_reservedHeaders.Contains(name, StringComparer.OrdinalIgnoreCase)
                || (hasOrigin && string.Equals(name, "Origin", StringComparison.OrdinalIgnoreCase)))
            {
                throw new ArgumentException($"The '{name}' header is set by the handshake itself.", nameof(headers));
            }

            list.Add(new(name, ValidateValue(value, nameof(headers))));
        }

        return [.. list];
    }

    private static string ValidateValue(string value, string parameterName)
    {
        if (value is null || !HttpSyntax.IsFieldValue(value))
        {
            throw new ArgumentException("A header value must not hold control characters such as CR or LF.", parameterName);
        }

        return HttpSyntax.TrimWhitespace(value);
    }
}
