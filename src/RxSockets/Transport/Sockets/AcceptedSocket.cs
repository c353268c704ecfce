using System.Net;
using System.Net.Sockets;

namespace RxSockets.Transport.Sockets;

/// <summary>A connection the listener accepted: a .NET <see cref="System.Net.Sockets.Socket"/> still to be wrapped in
/// a stream (and TLS), or a <see cref="Transport"/> that carries bytes as it is (the epoll backend's). Exactly one is
/// set.</summary>
internal readonly record struct AcceptedSocket(Socket? Socket, ITransport? Transport)
{
    /// <summary>The client's address; null when the connection is already gone.</summary>
    public IPEndPoint? RemoteEndPoint => Transport is not null ? Transport.RemoteEndPoint : SocketTransport.PeerOf(Socket!);
}
