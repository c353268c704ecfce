using System.Collections.ObjectModel;
using System.Net;
using RxSockets.Protocol.Handshake;

namespace RxSockets;

/// <summary>
/// The client's opening handshake as a server sees it (RFC 6455 §4.2.1): what a verification hook inspects to
/// accept or refuse a connection, and what a connection keeps as <c>Request</c> afterwards.
/// </summary>
/// <remarks>
/// Instances are immutable and therefore safe to share between threads. Header values are decoded as UTF-8, and
/// repeated header fields are kept in arrival order.
/// </remarks>
public sealed class HandshakeRequest
{
    private static readonly ReadOnlyCollection<string> s_noSubProtocols = new([]);
    private static readonly ReadOnlyDictionary<string, string> s_noQueryParameters = new(new Dictionary<string, string>());

    private readonly KeyValuePair<string, string>[] _headers;

    // What most requests never need, behind one reference made on first use (the header list, the parsed query), by
    // the constructor (offered subprotocols) or by Create (the method and target of a request a host read): a server
    // keeps every connection's request (32 B less per connection than five fields of their own). Origin and Extensions are read from _headers on each use.
    private HandshakeRequestExtras? _extras;

    internal HandshakeRequest(
        string path, string query, string host, IPEndPoint? remoteEndPoint, IReadOnlyList<string> subProtocols,
        KeyValuePair<string, string>[] headers)
    {
        Path = path;
        Query = query;
        Host = host;
        RemoteEndPoint = remoteEndPoint;
        if (subProtocols.Count > 0)
        {
            _extras = new HandshakeRequestExtras { SubProtocols = subProtocols.ToArray().AsReadOnly() };
        }
        _headers = headers;
    }

    /// <summary>
    /// Creates the request a host received, to hand to a detached server (<see cref="WebSocketServer.CreateDetached"/>):
    /// the host, not RxSockets, read the HTTP request, as with node ws's <c>handleUpgrade</c>. The server checks it as
    /// it would check one it read itself (method, upgrade headers, key, version, origin, path).
    /// </summary>
    /// <param name="method">The HTTP method, such as <c>GET</c>.</param>
    /// <param name="target">The raw request target, such as <c>/chat?room=1</c>.</param>
    /// <param name="headers">The request's header fields, in arrival order; a repeated field may appear several times.</param>
    /// <param name="remoteEndPoint">The client's address, when known (for the per-address limit and the hooks).</param>
    /// <returns>The request.</returns>
    /// <exception cref="ArgumentException">The target is not a valid origin-form or absolute-form target.</exception>
    public static HandshakeRequest Create(string method, string target, IEnumerable<KeyValuePair<string, string>> headers, IPEndPoint? remoteEndPoint = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(method);
        ArgumentException.ThrowIfNullOrEmpty(target);
        ArgumentNullException.ThrowIfNull(headers);
        if (!Protocol.Handshake.RequestTarget.TryParse(target, out var path, out var query, out var error))
        {
            throw new ArgumentException($"The request target is invalid: {error}", nameof(target));
        }

        KeyValuePair<string, string>[] fields = [.. headers];
        var head = Protocol.Handshake.HttpHead.CreateRequest(method, target, new Version(1, 1), fields);
        var request = new HandshakeRequest(path, query, head.GetValue("Host") ?? "", remoteEndPoint,
            head.GetListElements("Sec-WebSocket-Protocol"), fields);
        request.Extras.Method = method;   // not yet shared: plain writes
        request.Extras.Target = target;
        return request;
    }

    /// <summary>The method, when the request was created by a host (<see cref="Create"/>); GET otherwise.</summary>
    internal string Method => Volatile.Read(ref _extras)?.Method ?? "GET";

    /// <summary>The raw target, when the request was created by a host (<see cref="Create"/>).</summary>
    internal string? Target => Volatile.Read(ref _extras)?.Target;

    /// <summary>The path of the request target, still percent-encoded as sent, for example <c>/chat/room%201</c>.</summary>
    public string Path { get; }

    /// <summary>The raw query string of the request target without the leading '?', or empty when there is none.</summary>
    public string Query { get; }

    /// <summary>
    /// The query parameters, percent-decoded as UTF-8 with '+' read as a space. Names compare ordinally (as URLs
    /// do); a parameter that occurs several times has its values joined with ','.
    /// </summary>
    public IReadOnlyDictionary<string, string> QueryParameters => QueryParameterMap;

    /// <summary>The value of the <c>Host</c> header, as sent.</summary>
    public string Host { get; }

    /// <summary>The <c>Origin</c> header, which browsers always send and other clients usually omit.</summary>
    public string? Origin => GetHeader("Origin");

    /// <summary>The client's address, when the transport knows it.</summary>
    public IPEndPoint? RemoteEndPoint { get; }

    /// <summary>The subprotocols the client offered in <c>Sec-WebSocket-Protocol</c>, most preferred first.</summary>
    public IReadOnlyList<string> SubProtocols => Volatile.Read(ref _extras)?.SubProtocols ?? s_noSubProtocols;

    /// <summary>The raw <c>Sec-WebSocket-Extensions</c> offer, or null when the client offered none.</summary>
    public string? Extensions => GetHeader("Sec-WebSocket-Extensions");

    /// <summary>Every header field of the request in arrival order, names as sent.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Headers =>
        LazyInitializer.EnsureInitialized(ref Extras.HeaderList, () => _headers.AsReadOnly());

    private ReadOnlyDictionary<string, string> QueryParameterMap =>
        LazyInitializer.EnsureInitialized(ref Extras.QueryParameters, () => Query.Length == 0
            ? s_noQueryParameters
            : Protocol.Handshake.RequestTarget.ParseQuery(Query).AsReadOnly());

    private HandshakeRequestExtras Extras => LazyInitializer.EnsureInitialized(ref _extras);

    /// <summary>Gets a query parameter's decoded value.</summary>
    /// <param name="name">The parameter name, compared ordinally.</param>
    /// <returns>The value (values joined with ',' when repeated), or null when the parameter is absent.</returns>
    public string? GetQueryValue(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return QueryParameterMap.GetValueOrDefault(name);
    }

    /// <summary>Gets a header's value.</summary>
    /// <param name="name">The header name, compared case-insensitively.</param>
    /// <returns>The value; the values of a repeated header joined with ", "; or null when the header is absent.</returns>
    public string? GetHeader(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        string? combined = null;
        foreach (var header in _headers)
        {
            if (string.Equals(header.Key, name, StringComparison.OrdinalIgnoreCase))
            {
                combined = combined is null ? header.Value : $"{combined}, {header.Value}";
            }
        }

        return combined;
    }
}
