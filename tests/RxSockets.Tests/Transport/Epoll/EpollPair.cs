using System.Net;
using System.Net.Sockets;
using RxSockets.Transport.Epoll;

namespace RxSockets.Tests.Transport.Epoll;

/// <summary>An <see cref="EpollSocket"/> accepted from a loopback listener, and the plain .NET socket at the other end.
/// Tests using it are ignored where the epoll transport is not supported.</summary>
internal sealed class EpollPair : IAsyncDisposable
{
    private readonly Socket _listener;
    private readonly EpollAcceptor _acceptor;

    private EpollPair(Socket listener, EpollAcceptor acceptor, EpollSocket server, Socket peer)
    {
        _listener = listener;
        _acceptor = acceptor;
        Server = server;
        Peer = peer;
    }

    public EpollSocket Server { get; }

    public Socket Peer { get; }

    public static async Task<EpollPair> CreateAsync(CancellationToken cancellationToken)
    {
        Assume.That(EpollEngine.IsSupported, Is.True, "the epoll transport runs on x86-64 Linux only");
        var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(16);
        var acceptor = new EpollAcceptor(EpollEngine.Shared!, listener);
        var peer = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        var accepting = acceptor.AcceptAsync(cancellationToken).AsTask();
        await peer.ConnectAsync(listener.LocalEndPoint!, cancellationToken);
        var server = await accepting;
        return new EpollPair(listener, acceptor, server, peer);
    }

    public async ValueTask DisposeAsync()
    {
        await Server.CloseAsync(shutdownFirst: false);
        Peer.Dispose();
        _acceptor.Dispose();
        _listener.Dispose();
    }
}
