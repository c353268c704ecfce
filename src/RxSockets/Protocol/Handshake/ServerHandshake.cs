using System.Buffers;
using System.Collections.Frozen;
using System.Net;
using System.Text;

namespace RxSockets.Protocol.Handshake;

/// <summary>
/// The server side of the opening handshake (RFC 6455 §4.2), sans I/O: it checks an upgrade request against the
/// server's configuration and writes the 101 answer or a refusal. The transport reads and writes the bytes.
/// </summary>
/// <remarks>
/// <para>Checks run in this order, and the first failure decides the answer:</para>
/// <list type="number">
/// <item>HTTP version: 1.1 or a later 1.x, else 400; a major version other than 1 gets 505.</item>
/// <item>Method GET, else 405 with <c>Allow: GET</c>.</item>
/// <item>A well-formed request target (origin or absolute form, no fragment) and exactly one Host, else 400.</item>
/// <item>The configured path, else 404 — so a stray plain request learns that nothing lives there.</item>
/// <item><c>Upgrade: websocket</c>, <c>Connection: upgrade</c> and one valid Sec-WebSocket-Key, else 400.</item>
/// <item><c>Sec-WebSocket-Version: 13</c>, or 8 (the hybi-10 drafts, which frame as 13 does; node <c>ws</c> accepts it
/// too), else 426 with <c>Sec-WebSocket-Version: 13, 8</c> (RFC 6455 §4.4).</item>
/// <item>The origin: when allowed origins are configured, an Origin outside them gets 403. A request without Origin
/// passes, since only browsers send one and the check exists to stop cross-site browser pages.</item>
/// <item>A well-formed Sec-WebSocket-Protocol offer (tokens), else 400.</item>
/// </list>
/// <para>Immutable after construction and therefore thread-safe, provided the selection hook is.</para>
/// </remarks>
internal sealed class ServerHandshake
{
    private static ReadOnlySpan<byte> SwitchingProtocols => "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"u8;

    private static readonly FrozenDictionary<string, string> s_allowGet =
        new Dictionary<string, string> { ["Allow"] = "GET" }.ToFrozenDictionary(StringComparer.OrdinalIgnoreCase);

    private static readonly FrozenDictionary<string, string> s_supportedVersion =
        new Dictionary<string, string> { ["Sec-WebSocket-Version"] = "13, 8" }
            .ToFrozenDictionary(StringComparer.OrdinalIgnoreCase);

    private readonly string? _path;
    private readonly FrozenSet<string> _allowedOrigins;
    private readonly string[] _subProtocols;
    private readonly Func<IReadOnlyList<string>, string?>? _selectSubProtocol;

    /// <summary>Creates the server's handshake policy.</summary>
    /// <param name="path">The path served, compared ordinally with the raw request path; null or empty serves any.</param>
    /// <param name="allowedOrigins">The origins allowed, compared case-insensitively; null or empty allows any.</param>
    /// <param name="subProtocols">The subprotocols the server supports, used when no hook is given.</param>
    /// <param name="selectSubProtocol">A hook that picks one of the client's offers (most preferred first) or
    /// null for none; it takes precedence over <paramref name="subProtocols"/> and is called only when the client
    /// offered something. It must return one of the offers.</param>
    public ServerHandshake(
        string? path = null, IEnumerable<string>? allowedOrigins = null, IEnumerable<string>? subProtocols = null,
        Func<IReadOnlyList<string>, string?>? selectSubProtocol = null)
    {
        _path = string.IsNullOrEmpty(path) ? null : path;
        _allowedOrigins = (allowedOrigins ?? []).ToFrozenSet(StringComparer.OrdinalIgnoreCase);
        _subProtocols = subProtocols?.ToArray() ?? [];
        _selectSubProtocol = selectSubProtocol;
    }

    /// <summary>Checks an upgrade request; see the type's remarks for the order and the answers.</summary>
    /// <param name="request">The parsed request head.</param>
    /// <param name="remoteEndPoint">The client's address, when known, for <see cref="HandshakeRequest.RemoteEndPoint"/>.</param>
    /// <returns>The accepted request with its accept key and subprotocol, or the refusal to write.</returns>
    /// <exception cref="InvalidOperationException">The selection hook returned a subprotocol the client did not offer.</exception>
    public ServerHandshakeResult Validate(HttpHead request, IPEndPoint? remoteEndPoint)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.Kind != HttpHeadKind.Request)
        {
            throw new ArgumentException("A request head is required.", nameof(request));
        }

        if (request.Version.Major != 1)
        {
            return Reject(505, "WebSocket requires HTTP/1.1");
        }

        if (request.Version.Minor < 1)
        {
            return Reject(400, "WebSocket requires HTTP/1.1");
        }

        // RFC 6455 §4.1 (2): the method must be GET.
        if (request.Method != "GET")
        {
            return ServerHandshakeResult.Reject(new HandshakeRejection(405, "WebSocket requires GET", s_allowGet));
        }

        if (!RequestTarget.TryParse(request.Target, out var path, out var query, out var targetError))
        {
            return Reject(400, targetError);
        }

        // RFC 9112 §3.2: a request without exactly one Host gets 400.
        if (request.Count("Host", out var host) != 1 || host!.Length == 0)   // one field: a value
        {
            return Reject(400, "exactly one Host header is required");
        }

        if (_path is not null && !string.Equals(path, _path, StringComparison.Ordinal))
        {
            return Reject(404, null);
        }

        if (ValidateUpgrade(request, out var key) is { } upgradeError)
        {
            return upgradeError;
        }

        var origin = request.GetValue("Origin");
        if (_allowedOrigins.Count > 0 && origin is not null && !_allowedOrigins.Contains(origin))
        {
            return Reject(403, "origin not allowed");
        }

        var offers = request.GetListElements("Sec-WebSocket-Protocol");
        for (var i = 0; i < offers.Count; i++)
        {
            if (!HttpSyntax.IsToken(offers[i]))
            {
                return Reject(400, "invalid Sec-WebSocket-Protocol");
            }
        }

        // The request keeps the parsed fields themselves; the accept key is computed when it is written.
        var handshakeRequest = new HandshakeRequest(path, query, host, remoteEndPoint, offers, request.Fields);
        return ServerHandshakeResult.Accept(handshakeRequest, key, SelectSubProtocol(offers));
    }

    /// <summary>
    /// Picks the subprotocol to answer: the hook's choice when there is a hook, otherwise the first of the client's
    /// offers (the client's preference wins) that the server supports; null when the client offered none or none
    /// matches.
    /// </summary>
    /// <exception cref="InvalidOperationException">The hook returned a subprotocol the client did not offer.</exception>
    public string? SelectSubProtocol(IReadOnlyList<string> offers)
    {
        ArgumentNullException.ThrowIfNull(offers);
        if (offers.Count == 0)
        {
            return null;
        }

        if (_selectSubProtocol is not null)
        {
            var selected = _selectSubProtocol(offers);

            // RFC 6455 §4.2.2: the server must answer one of the offered values, or none.
            return selected is null || offers.Contains(selected, StringComparer.Ordinal)
                ? selected
                : throw new InvalidOperationException(
                    $"The subprotocol selector returned '{selected}', which the client did not offer.");
        }

        for (var i = 0; i < offers.Count; i++)
        {
            if (Array.IndexOf(_subProtocols, offers[i]) >= 0)
            {
                return offers[i];
            }
        }

        return null;
    }

    /// <summary>Maps a failed <see cref="HttpHead.TryParse"/> to its answer: 431 when too large, else 400.</summary>
    public static HandshakeRejection RejectionFor(HttpHeadParseStatus status, string? error) => status switch
    {
        HttpHeadParseStatus.TooLarge => new HandshakeRejection(431, error),
        HttpHeadParseStatus.Malformed => new HandshakeRejection(400, error),
        _ => throw new ArgumentOutOfRangeException(nameof(status), status, "Only a failed parse has a rejection."),
    };

    private static void ThrowIfNotToken(string? subProtocol)
    {
        if (!string.IsNullOrEmpty(subProtocol) && !HttpSyntax.IsToken(subProtocol))
        {
            throw new ArgumentException("The subprotocol must be an HTTP token.", nameof(subProtocol));
        }
    }

    /// <summary>Writes the <c>101 Switching Protocols</c> answer (RFC 6455 §4.2.2 step 5).</summary>
    /// <param name="output">Where to write.</param>
    /// <param name="acceptKey">The Sec-WebSocket-Accept value from <see cref="Validate"/>.</param>
    /// <param name="subProtocol">The selected subprotocol, or null for none.</param>
    /// <param name="extensions">The accepted extensions, already negotiated, or null for none.</param>
    /// <param name="extraHeaders">Headers the application adds (already checked), or null.</param>
    public static void WriteAccept(IBufferWriter<byte> output, string acceptKey, string? subProtocol, string? extensions, IReadOnlyDictionary<string, string>? extraHeaders = null)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(acceptKey);
        if (!AcceptKey.IsValidAccept(acceptKey))
        {
            throw new ArgumentException("The accept key must be the base64 encoding of a SHA-1 hash.", nameof(acceptKey));
        }

        ThrowIfNotToken(subProtocol);

        HttpHeadWriter.Write(output, SwitchingProtocols);
        HttpHeadWriter.WriteField(output, "Sec-WebSocket-Accept", acceptKey);
        WriteAcceptRest(output, subProtocol, extensions, extraHeaders);
    }

    /// <summary>
    /// Writes the <c>101 Switching Protocols</c> answer for an accepted request, as <see cref="WriteAccept"/> does, with
    /// the accept key computed from <paramref name="clientKey"/> straight into <paramref name="output"/>.
    /// </summary>
    /// <param name="output">Where to write.</param>
    /// <param name="clientKey">The client's Sec-WebSocket-Key, as <see cref="Validate"/> accepted it.</param>
    /// <param name="subProtocol">The selected subprotocol, or null for none.</param>
    /// <param name="extensions">The accepted extensions, already negotiated, or null for none.</param>
    /// <param name="extraHeaders">Headers the application adds (already checked), or null.</param>
    public static void WriteAcceptForKey(IBufferWriter<byte> output, string clientKey, string? subProtocol, string? extensions, IReadOnlyDictionary<string, string>? extraHeaders = null)
    {
        ArgumentNullException.ThrowIfNull(output);
        if (!AcceptKey.IsValidClientKey(clientKey))
        {
            throw new ArgumentException("The client key must be the base64 encoding of 16 bytes.", nameof(clientKey));
        }

        ThrowIfNotToken(subProtocol);

        HttpHeadWriter.Write(output, SwitchingProtocols);
        HttpHeadWriter.Write(output, "Sec-WebSocket-Accept: "u8);
        AcceptKey.Write(clientKey, output.GetSpan(AcceptKey.AcceptLength));
        output.Advance(AcceptKey.AcceptLength);
        HttpHeadWriter.WriteCrlf(output);
        WriteAcceptRest(output, subProtocol, extensions, extraHeaders);
    }

    /// <summary>
    /// Writes a complete refusal: the status line with the standard reason phrase, the extra headers,
    /// <c>Content-Type: text/plain; charset=utf-8</c>, <c>Content-Length</c>, <c>Connection: close</c>, and the
    /// reason (or the standard phrase) as the body. The transport closes the connection after it.
    /// </summary>
    public static void WriteRejection(IBufferWriter<byte> output, HandshakeRejection rejection)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(rejection);
        var phrase = HttpReasonPhrase.For(rejection.StatusCode);
        var body = Encoding.UTF8.GetBytes(rejection.Reason ?? phrase);

        HttpHeadWriter.Write(output, "HTTP/1.1 "u8);
        HttpHeadWriter.Write(output, rejection.StatusCode);
        HttpHeadWriter.Write(output, " "u8);
        HttpHeadWriter.Write(output, phrase);
        HttpHeadWriter.WriteCrlf(output);
        foreach (var (name, value) in rejection.Headers)
        {
            HttpHeadWriter.WriteField(output, name, value);
        }

        HttpHeadWriter.Write(output, "Content-Type: text/plain; charset=utf-8\r\nContent-Length: "u8);
        HttpHeadWriter.Write(output, body.Length);
        HttpHeadWriter.Write(output, "\r\nConnection: close\r\n\r\n"u8);
        HttpHeadWriter.Write(output, body);
    }

    /// <summary>Writes a complete refusal, as <see cref="WriteRejection(IBufferWriter{byte}, HandshakeRejection)"/>.</summary>
    /// <exception cref="ArgumentException">The status or the headers are invalid, as
    /// <see cref="HandshakeRejection"/> defines; this is what keeps CR and LF off the wire.</exception>
    public static void WriteRejection(
        IBufferWriter<byte> output, int status, string? reason, IReadOnlyDictionary<string, string>? headers) =>
        WriteRejection(output, new HandshakeRejection(status, reason, headers));

    private static void WriteAcceptRest(IBufferWriter<byte> output, string? subProtocol, string? extensions, IReadOnlyDictionary<string, string>? extraHeaders)
    {
        if (!string.IsNullOrEmpty(subProtocol))
        {
            HttpHeadWriter.WriteField(output, "Sec-WebSocket-Protocol", subProtocol);
        }

        if (!string.IsNullOrEmpty(extensions))
        {
            if (!HttpSyntax.IsFieldValue(extensions))
            {
                throw new ArgumentException("The extensions must not hold control characters.", nameof(extensions));
            }

            HttpHeadWriter.WriteField(output, "Sec-WebSocket-Extensions", extensions);
        }

        if (extraHeaders is not null)
        {
            foreach (var (name, value) in extraHeaders)
            {
                HttpHeadWriter.WriteField(output, name, value);
            }
        }

        HttpHeadWriter.WriteCrlf(output);
    }

    private static ServerHandshakeResult? ValidateUpgrade(HttpHead request, out string key)
    {
        key = "";

        // RFC 6455 §4.2.1 (3)–(6).
        if (!request.ContainsToken("Upgrade", "websocket"))
        {
            return Reject(400, "missing 'Upgrade: websocket'");
        }

        if (!request.ContainsToken("Connection", "upgrade"))
        {
            return Reject(400, "missing 'Connection: Upgrade'");
        }

        if (request.Count("Sec-WebSocket-Key", out var clientKey) != 1 || !AcceptKey.IsValidClientKey(clientKey))
        {
            return Reject(400, "invalid Sec-WebSocket-Key");
        }

        if (request.Count("Sec-WebSocket-Version", out var version) != 1 || version is not ("13" or "8"))
        {
            return ServerHandshakeResult.Reject(
                new HandshakeRejection(426, "unsupported WebSocket version", s_supportedVersion));
        }

        key = clientKey!;   // valid: not null
        return null;
    }

    private static ServerHandshakeResult Reject(int status, string? reason) =>
        ServerHandshakeResult.Reject(new HandshakeRejection(status, reason));
}
