using System.Collections.ObjectModel;

namespace RxSockets.Connection;

/// <summary>
/// What the opening handshake settled for a <see cref="WebSocketConnection"/>, when there is more of it than one
/// reference can say: a subprotocol or extensions, or a server connection's response headers. The common connection
/// keeps its request (server) or its response headers (client) in that one reference instead (24 B less per
/// connection than four fields of its own; the endpoint keeps a field).
/// </summary>
internal sealed class HandshakeDetails(
    string? subProtocol, string extensions, HandshakeRequest? request, IReadOnlyDictionary<string, string> responseHeaders)
{
    public string? SubProtocol { get; } = subProtocol;

    public string Extensions { get; } = extensions;

    public HandshakeRequest? Request { get; } = request;

    public IReadOnlyDictionary<string, string> ResponseHeaders { get; } = responseHeaders;

    /// <summary>The one reference a connection keeps for what its handshake settled: a server connection that agreed on
    /// no subprotocol and no extension keeps its request, such a client connection its response headers (or nothing);
    /// any other keeps details. Most connections are of the first two kinds, and an idle server holds many.</summary>
    public static object? Settle(ConnectionInfo info)
    {
        var plain = info.SubProtocol is null && string.IsNullOrEmpty(info.Extensions);
        if (plain && info.Request is { } request && (info.ResponseHeaders is null || info.ResponseHeaders.Count == 0))
        {
            return request;
        }

        if (plain && info.Request is null)
        {
            return info.ResponseHeaders;
        }

        return new HandshakeDetails(info.SubProtocol, info.Extensions ?? "", info.Request,
            info.ResponseHeaders ?? ReadOnlyDictionary<string, string>.Empty);
    }
}
