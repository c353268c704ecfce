using System.Collections.ObjectModel;
using System.Net;

namespace RxSockets.Connection;

/// <summary>
/// What the opening handshake settled for a <see cref="WebSocketConnection"/>, when there is more of it than one
/// reference can say: a subprotocol, extensions or response headers, or a request and an endpoint that differ. The
/// common connection keeps its request (server) or its endpoint (client) in that one reference instead (32 B less per
/// connection than five fields of its own).
/// </summary>
internal sealed class HandshakeDetails(
    string? subProtocol, string extensions, HandshakeRequest? request, EndPoint? remoteEndPoint, IReadOnlyDictionary<string, string> responseHeaders)
{
    public string? SubProtocol { get; } = subProtocol;

    public string Extensions { get; } = extensions;

    public HandshakeRequest? Request { get; } = request;

    public EndPoint? RemoteEndPoint { get; } = remoteEndPoint;

    public IReadOnlyDictionary<string, string> ResponseHeaders { get; } = responseHeaders;

    /// <summary>The one reference a connection keeps for what its handshake settled: a server connection that agreed on
    /// no subprotocol and no extension keeps its request (which carries the endpoint), such a client connection without
    /// response headers its endpoint; any other keeps details. Most connections are the first kind, and an idle server
    /// holds many of them.</summary>
    public static object? Settle(ConnectionInfo info)
    {
        var plain = info.SubProtocol is null && string.IsNullOrEmpty(info.Extensions) && (info.ResponseHeaders is null || info.ResponseHeaders.Count == 0);
        if (plain && info.Request is { } request && ReferenceEquals(request.RemoteEndPoint, info.RemoteEndPoint))
        {
            return request;
        }

        if (plain && info.Request is null)
        {
            return info.RemoteEndPoint;
        }

        return new HandshakeDetails(info.SubProtocol, info.Extensions ?? "", info.Request, info.RemoteEndPoint,
            info.ResponseHeaders ?? ReadOnlyDictionary<string, string>.Empty);
    }
}
