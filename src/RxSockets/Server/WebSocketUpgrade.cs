using System.Collections.ObjectModel;
using System.Net;
using RxSockets.Protocol.Deflate;

namespace RxSockets;

/// <summary>
/// A detached server's answer to a handshake request its host received (<see cref="WebSocketServer.NegotiateAsync"/>):
/// either a refusal for the host to send (<see cref="Rejection"/>), or the headers of the <c>101 Switching
/// Protocols</c> answer for the host to send before handing over the upgraded stream
/// (<see cref="WebSocketServer.Accept"/>).
/// </summary>
/// <remarks>An accepted upgrade holds a place under the server's connection limits until it is accepted or
/// disposed: dispose it when the host cannot complete the upgrade. Thread-safe.</remarks>
public sealed class WebSocketUpgrade : IDisposable
{
    private readonly Action? _release;
    private int _settled;

    private WebSocketUpgrade(HandshakeRejection rejection)
    {
        Rejection = rejection;
        ResponseHeaders = ReadOnlyDictionary<string, string>.Empty;
        _settled = 1;
    }

    private WebSocketUpgrade(HandshakeRequest request, string acceptKey, string? subProtocol, DeflateSettings? deflate, IPAddress? address, Action release,
        IReadOnlyDictionary<string, string>? extraHeaders)
    {
        Request = request;
        SubProtocol = subProtocol;
        Deflate = deflate;
        Address = address;
        _release = release;
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
        {
            ["Upgrade"] = "websocket",
            ["Sec-WebSocket-Accept"] = acceptKey,
        };
        if (subProtocol is not null)
        {
            headers["Sec-WebSocket-Protocol"] = subProtocol;
        }

        if (deflate is not null)
        {
            headers["Sec-WebSocket-Extensions"] = deflate.Extension;
        }

        ExtraHeaders = extraHeaders;
        foreach (var (name, value) in extraHeaders ?? ReadOnlyDictionary<string, string>.Empty)
        {
            headers[name] = value;   // checked: never one of the handshake's own
        }

        ResponseHeaders = headers.AsReadOnly();
    }

    /// <summary>Whether the request is accepted; otherwise send <see cref="Rejection"/>.</summary>
    public bool IsAccepted => Rejection is null;

    /// <summary>The refusal to answer (status, reason as a plain-text body, extra headers), or null when accepted.</summary>
    public HandshakeRejection? Rejection { get; }

    /// <summary>The accepted request (what <see cref="WebSocketConnection.Request"/> will hold), or null when refused.</summary>
    public HandshakeRequest? Request { get; }

    /// <summary>The subprotocol selected, or null.</summary>
    public string? SubProtocol { get; }

    /// <summary>The headers of the 101 answer besides its status line and <c>Connection: Upgrade</c>: <c>Upgrade</c>,
    /// <c>Sec-WebSocket-Accept</c>, and <c>Sec-WebSocket-Protocol</c> / <c>Sec-WebSocket-Extensions</c> when
    /// negotiated, and those <see cref="WebSocketServerOptions.AddResponseHeaders"/> added. Empty when refused.</summary>
    public IReadOnlyDictionary<string, string> ResponseHeaders { get; }

    internal DeflateSettings? Deflate { get; }

    /// <summary>The headers <see cref="WebSocketServerOptions.AddResponseHeaders"/> added, or null.</summary>
    internal IReadOnlyDictionary<string, string>? ExtraHeaders { get; }

    internal IPAddress? Address { get; }

    /// <summary>Gives back the place an accepted upgrade holds, unless a connection was made from it. Idempotent.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _settled, 1) == 0)
        {
            _release?.Invoke();
        }
    }

    internal static WebSocketUpgrade Refuse(HandshakeRejection rejection) => new(rejection);

    internal static WebSocketUpgrade Accept(HandshakeRequest request, string acceptKey, string? subProtocol, DeflateSettings? deflate, IPAddress? address, Action release,
        IReadOnlyDictionary<string, string>? extraHeaders = null) =>
        new(request, acceptKey, subProtocol, deflate, address, release, extraHeaders);

    /// <summary>Marks the upgrade used by a connection; false when refused, disposed or used already.</summary>
    internal bool TryConsume() => IsAccepted && Interlocked.Exchange(ref _settled, 1) == 0;
}
