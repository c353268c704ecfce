using System.Net;
using RxSockets.Protocol.Deflate;

namespace RxSockets;

/// <summary>What the opening handshake settled, handed to a new <see cref="WebSocketConnection"/>; <paramref name="Deflate"/>
/// is what permessage-deflate settled, or null.</summary>
internal sealed record ConnectionInfo(Uri Url, string? SubProtocol, string? Extensions, HandshakeRequest? Request, EndPoint? RemoteEndPoint, DeflateSettings? Deflate = null);
