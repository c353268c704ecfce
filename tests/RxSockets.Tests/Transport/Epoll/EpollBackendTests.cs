using System.Net;
using System.Net.Sockets;
using RxSockets.Transport.Epoll;
using RxSockets.Transport.Sockets;

namespace RxSockets.Tests.Transport.Epoll;

/// <summary>The socket backend on the epoll engine, and the one choice of backend for plain TCP. Run with
/// <c>RXSOCKETS_EPOLL=0</c> too: then the choice is .NET sockets.</summary>
public class EpollBackendTests
{
    [Test]
    public void PlainBackend_IsEpollWhereEnabledElseDotNetSockets()
    {
        var backend = EpollTransport.PlainBackend;

        Assert.That(backend, EpollTransport.Enabled ? Is.InstanceOf<EpollBackend>() : Is.SameAs(DotNetSocketBackend.Instance));
        Assert.That(EpollTransport.PlainBackend, Is.SameAs(backend), "chosen once");
    }

    [Test, CancelAfter(10_000)]
    public async Task Listen_ClientConnects_AcceptsAReadyEpollTransport(CancellationToken cancellationToken)
    {
        var backend = new EpollBackend(Engine());
        using var listener = Listening();
        using var acceptor = backend.Listen(listener);
        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);

        var accepting = acceptor.AcceptAsync(cancellationToken).AsTask();
        await client.ConnectAsync(listener.LocalEndPoint!, cancellationToken);
        var accepted = await accepting;
        await accepted.Transport!.CloseAsync(shutdownFirst: false);

        Assert.That(accepted.Socket, Is.Null);
        Assert.That(accepted.Transport, Is.InstanceOf<EpollSocket>());
        Assert.That(accepted.RemoteEndPoint, Is.EqualTo(client.LocalEndPoint));
    }

    [Test, CancelAfter(10_000)]
    public async Task ConnectAsync_ListeningPeer_IsAnEpollSocketThatKnowsThePeer(CancellationToken cancellationToken)
    {
        var backend = new EpollBackend(Engine());
        using var listener = Listening();

        var transport = await backend.ConnectAsync((IPEndPoint)listener.LocalEndPoint!, cancellationToken);
        var remote = transport.RemoteEndPoint;
        await transport.CloseAsync(shutdownFirst: false);

        Assert.That(transport, Is.InstanceOf<EpollSocket>());
        Assert.That(remote, Is.EqualTo(listener.LocalEndPoint));
    }

    private static EpollEngine Engine()
    {
        Assume.That(EpollEngine.IsSupported, Is.True, "the epoll transport runs on x86-64 Linux only");
        return EpollEngine.Shared!;   // supported: the shared engine exists
    }

    private static Socket Listening()
    {
        var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(4);
        return listener;
    }
}
