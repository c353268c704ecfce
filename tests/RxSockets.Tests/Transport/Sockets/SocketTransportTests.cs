using System.Net;
using System.Net.Sockets;
using RxSockets.Transport;
using RxSockets.Transport.Sockets;

namespace RxSockets.Tests.Transport.Sockets;

public class SocketTransportTests
{
    [Test]
    public void PeerOf_SocketAlreadyGone_IsNullInsteadOfThrowing()
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Dispose();

        var peer = SocketTransport.PeerOf(socket);

        Assert.That(peer, Is.Null);
    }

    [Test, CancelAfter(10_000)]
    public async Task PeerOf_ConnectedSocket_IsTheListenersAddress(CancellationToken cancellationToken)
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(1);
        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await client.ConnectAsync(listener.LocalEndPoint!, cancellationToken);

        var peer = SocketTransport.PeerOf(client);

        Assert.That(peer, Is.EqualTo(listener.LocalEndPoint));
    }
}
