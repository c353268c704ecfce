using RxSockets.Transport.Sockets;

namespace RxSockets.Transport.Connect;

/// <summary>What a successful connect hands the surface: the upgraded transport (its owner from now on) and what the
/// handshake settled (URL after redirects, subprotocol, extensions, deflate settings, peer address, 101 headers), from
/// which the surface builds the connection.</summary>
internal readonly record struct ConnectedTransport(ITransport Transport, ConnectionInfo Info);
