using System.Net;
using System.Net.Sockets;
using RxSockets.Tests.Support;
using RxSockets.Transport;
using RxSockets.Transport.Sockets;

namespace RxSockets.Tests.Transport.Sockets;

/// <summary>The socket backend on .NET sockets: a connect is a ready <see cref="SocketTransport"/>; an accept is a bare
/// socket, for the server's acceptor to wrap in a stream (and TLS).</summary>
public class DotNetSocketBackendTests
{
    [Test, CancelAfter(10_000)]
    public async Task ConnectAsync_ListeningPeer_IsASocketTransportThatKnowsThePeer(CancellationToken cancellationToken)
    {
        using var listener = Listening();

        var transport = await DotNetSocketBackend.Instance.ConnectAsync((IPEndPoint)listener.LocalEndPoint!, cancellationToken);
        var remote = transport.RemoteEndPoint;
        var noDelay = ((SocketTransport)transport).Socket.NoDelay;
        await transport.CloseAsync(shutdownFirst: false);

        Assert.That(transport, Is.InstanceOf<SocketTransport>());
        Assert.That(remote, Is.EqualTo(listener.LocalEndPoint));
        Assert.That(noDelay, Is.True, "Nagle off, as on the epoll backend");
    }

    [Test, CancelAfter(10_000)]
    public async Task ConnectAsync_NothingListening_ThrowsConnectionRefused(CancellationToken cancellationToken)
    {
        var port = Ports.Closed(IPAddress.Loopback);

        var error = await Assert.ThrowsAsync<SocketException>(async () =>
            await DotNetSocketBackend.Instance.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port), cancellationToken));

        Assert.That(error?.SocketErrorCode, Is.EqualTo(SocketError.ConnectionRefused));
    }

    [Test, CancelAfter(10_000)]
    public async Task Listen_ClientConnects_AcceptsABareSocketWithNagleOff(CancellationToken cancellationToken)
    {
        using var listener = Listening();
        using var acceptor = DotNetSocketBackend.Instance.Listen(listener);
        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);

        var accepting = acceptor.AcceptAsync(cancellationToken).AsTask();
        await client.ConnectAsync(listener.LocalEndPoint!, cancellationToken);
        var accepted = await accepting;
        using var socket = accepted.Socket;

        Assert.That(accepted.Transport, Is.Null);
        Assert.That(socket?.NoDelay, Is.True);
        Assert.That(accepted.RemoteEndPoint, Is.EqualTo(client.LocalEndPoint));
    }

    private static Socket Listening()
    {
        var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(4);
        return listener;
    }
}
