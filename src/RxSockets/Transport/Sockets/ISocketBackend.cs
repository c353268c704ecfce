using System.Net;
using System.Net.Sockets;

namespace RxSockets.Transport.Sockets;

/// <summary>
/// Where plain TCP connections run: .NET sockets (<see cref="DotNetSocketBackend"/>) or our own epoll loop (in
/// Transport/Epoll). The backend is chosen once, by the layer that may see both (<c>EpollTransport.PlainBackend</c>);
/// the connect and accept paths take the one they are given and never ask which it is.
/// </summary>
internal interface ISocketBackend
{
    /// <summary>Opens a TCP connection to one address, with Nagle off, as a transport ready for the handshake.</summary>
    /// <exception cref="SocketException">The connection failed (refused, unreachable, …).</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> ended the attempt.</exception>
    ValueTask<ITransport> ConnectAsync(IPEndPoint endPoint, CancellationToken cancellationToken);

    /// <summary>Starts accepting from <paramref name="listening"/>, a bound and listening socket that the caller keeps
    /// and disposes after the acceptor.</summary>
    /// <exception cref="SocketException">The socket cannot be watched.</exception>
    ISocketAcceptor Listen(Socket listening);
}
