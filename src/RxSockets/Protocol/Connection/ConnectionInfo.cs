using System.Net;
using RxSockets.Protocol.Deflate;

namespace RxSockets;

/// <summary>What the opening handshake settled, handed to a new <see cref="WebSocketConnection"/>; <paramref name="Deflate"/>
/// is what permessage-deflate settled, or null; <paramref name="ResponseHeaders"/> the server's 101 headers (client). A struct: it only carries the values to the constructor.</summary>
internal readonly record struct ConnectionInfo(Uri Url, string? SubProtocol, string? Extensions, HandshakeRequest? Request, EndPoint? RemoteEndPoint, DeflateSettings? Deflate = null, IReadOnlyDictionary<string, string>? ResponseHeaders = null);
