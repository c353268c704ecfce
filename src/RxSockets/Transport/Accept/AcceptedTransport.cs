using RxSockets.Transport.Sockets;

namespace RxSockets.Transport.Accept;

/// <summary>What a successful accept hands the surface: the upgraded transport (its owner from now on) and what the
/// handshake settled (URL, subprotocol, extensions, deflate settings, request, peer address), from which the surface
/// builds the connection. A struct: it only carries the values up.</summary>
internal readonly record struct AcceptedTransport(ITransport Transport, ConnectionInfo Info);
