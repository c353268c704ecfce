using System.Net;
using System.Net.Sockets;
using RxSockets.Transport.Epoll;

namespace RxSockets.Transport.Sockets;

/// <summary>A connection the listener accepted: a .NET <see cref="System.Net.Sockets.Socket"/> (TLS, or where epoll is
/// not used) or an <see cref="EpollSocket"/>. Exactly one is set.</summary>
internal readonly record struct AcceptedSocket(Socket? Socket, EpollSocket? Epoll)
{
    /// <summary>The client's address; null when the connection is already gone.</summary>
    public IPEndPoint? RemoteEndPoint => Epoll is not null ? Epoll.RemoteEndPoint : SocketTransport.PeerOf(Socket!);
}
