namespace RxSockets.Protocol.Handshake;

/// <summary>What a valid <c>101 Switching Protocols</c> answer settled.</summary>
/// <param name="SubProtocol">The subprotocol the server selected from our offer, or null for none.</param>
/// <param name="Extensions">The raw <c>Sec-WebSocket-Extensions</c> answer, or null when the server accepted no
/// extension; the extension layer checks it against what we offered.</param>
internal readonly record struct ClientHandshakeResult(string? SubProtocol, string? Extensions);
