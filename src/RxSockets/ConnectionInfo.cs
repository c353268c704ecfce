using System.Net;

namespace RxSockets;

/// <summary>What the opening handshake settled, handed to a new <see cref="WebSocketConnection"/>.</summary>
internal sealed record ConnectionInfo(Uri Url, string? SubProtocol, string? Extensions, HandshakeRequest? Request, EndPoint? RemoteEndPoint);
