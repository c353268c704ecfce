using System.Buffers;
using System.Net;
using System.Net.Sockets;
using RxSockets.Transport.Epoll;

using RxSockets.Tests.Support;

namespace RxSockets.Tests.Transport.Epoll;

public class EpollConnectorTests
{
    private static EpollEngine Engine()
    {
        Assume.That(EpollEngine.IsSupported, Is.True, "the epoll transport runs on x86-64 Linux only");
        return EpollEngine.Shared!;   // supported: the shared engine exists
    }

    private static Socket Listen(IPAddress address)
    {
        var listener = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(address, 0));
        listener.Listen(1);
        return listener;
    }

    [Test, CancelAfter(10_000)]
    public async Task ConnectAsync_ListeningIPv4_ExchangesBytesBothWays(CancellationToken cancellationToken)
    {
        var engine = Engine();
        using var listener = Listen(IPAddress.Loopback);

        var socket = await EpollConnector.ConnectAsync(engine, (IPEndPoint)listener.LocalEndPoint!, cancellationToken);
        using var server = await listener.AcceptAsync(cancellationToken);
        socket.Output.Write("ping"u8);
        await socket.Output.FlushAsync(cancellationToken);
        var received = new byte[4];
        await server.ReceiveAsync(received, cancellationToken);
        await server.SendAsync("pong"u8.ToArray(), cancellationToken);
        var answer = await socket.Input.ReadAtLeastAsync(4, cancellationToken);
        var answered = answer.Buffer.ToArray();
        socket.Input.AdvanceTo(answer.Buffer.End);
        await socket.CloseAsync(shutdownFirst: false);

        Assert.That(received, Is.EqualTo("ping"u8.ToArray()));
        Assert.That(answered, Is.EqualTo("pong"u8.ToArray()));
        Assert.That(socket.RemoteEndPoint, Is.EqualTo(listener.LocalEndPoint));
    }

    [Test, CancelAfter(10_000)]
    public async Task ConnectAsync_Connected_HasNagleOff(CancellationToken cancellationToken)
    {
        var engine = Engine();
        using var listener = Listen(IPAddress.Loopback);
        var socket = await EpollConnector.ConnectAsync(engine, (IPEndPoint)listener.LocalEndPoint!, cancellationToken);

        bool noDelay;
        using (var view = new Socket(new SafeSocketHandle(socket.Fd.DangerousGetHandle(), ownsHandle: false)))
        {
            noDelay = view.NoDelay;
        }

        await socket.CloseAsync(shutdownFirst: false);

        Assert.That(noDelay, Is.True);
    }

    [Test, CancelAfter(10_000)]
    public async Task ConnectAsync_IPv6Loopback_Connects(CancellationToken cancellationToken)
    {
        var engine = Engine();
        using var listener = Listen(IPAddress.IPv6Loopback);

        var socket = await EpollConnector.ConnectAsync(engine, (IPEndPoint)listener.LocalEndPoint!, cancellationToken);
        using var server = await listener.AcceptAsync(cancellationToken);
        var client = (IPEndPoint?)server.RemoteEndPoint;
        await socket.CloseAsync(shutdownFirst: false);

        Assert.That(client?.Address, Is.EqualTo(IPAddress.IPv6Loopback));
        Assert.That(socket.RemoteEndPoint, Is.EqualTo(listener.LocalEndPoint));
    }

    [TestCase("127.0.0.1")]
    [TestCase("::1")]
    [CancelAfter(10_000)]
    public async Task ConnectAsync_NothingListening_ThrowsTheSameErrorAsDotNetSockets(string host, CancellationToken cancellationToken)
    {
        var engine = Engine();
        var address = IPAddress.Parse(host);
        var endPoint = new IPEndPoint(address, Ports.Closed(address));
        using var dotNet = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        var expected = await Assert.ThrowsAsync<SocketException>(async () => await dotNet.ConnectAsync(endPoint, cancellationToken));

        var error = await Assert.ThrowsAsync<SocketException>(async () => await EpollConnector.ConnectAsync(engine, endPoint, cancellationToken));

        Assert.That(error?.SocketErrorCode, Is.EqualTo(SocketError.ConnectionRefused));
        Assert.That(error?.Message, Is.EqualTo(expected?.Message));
        Assert.That(error?.NativeErrorCode, Is.EqualTo(expected?.NativeErrorCode));
    }

    [Test, CancelAfter(10_000)]
    public async Task ConnectAsync_CancelledWhileConnecting_ThrowsOperationCanceled(CancellationToken cancellationToken)
    {
        var engine = Engine();
        using var full = await FullBacklogListener.CreateAsync(cancellationToken);
        using var cancel = new CancellationTokenSource();

        var connecting = EpollConnector.ConnectAsync(engine, full.EndPoint, cancel.Token).AsTask();
        var waited = !connecting.IsCompleted;
        await cancel.CancelAsync();

        Assert.That(waited, Is.True);
        Assert.That(async () => await connecting.WaitAsync(cancellationToken), Throws.InstanceOf<OperationCanceledException>());
    }

    [Test]
    public void ConnectAsync_AlreadyCancelled_ThrowsWithoutConnecting()
    {
        var engine = Engine();
        using var cancel = new CancellationTokenSource();
        cancel.Cancel();

        var connecting = EpollConnector.ConnectAsync(engine, new IPEndPoint(IPAddress.Loopback, 1), cancel.Token);

        Assert.That(connecting.IsCanceled, Is.True);
    }

    [Test]
    public void WriteAddress_IPv4_ReadsBackTheSameEndPoint()
    {
        var endPoint = new IPEndPoint(IPAddress.Parse("192.0.2.7"), 8080);
        var address = new byte[28];

        var length = EpollConnector.WriteAddress(endPoint, address);

        Assert.That(length, Is.EqualTo(16));
        Assert.That(EpollAcceptor.ParseAddress(address.AsSpan(0, length)), Is.EqualTo(endPoint));
    }

    [Test]
    public void WriteAddress_IPv6WithScope_ReadsBackTheSameEndPoint()
    {
        var endPoint = new IPEndPoint(IPAddress.Parse("fe80::1%3"), 443);
        var address = new byte[28];

        var length = EpollConnector.WriteAddress(endPoint, address);

        Assert.That(length, Is.EqualTo(28));
        Assert.That(EpollAcceptor.ParseAddress(address.AsSpan(0, length)), Is.EqualTo(endPoint));
        Assert.That(EpollAcceptor.ParseAddress(address.AsSpan(0, length))?.Address.ScopeId, Is.EqualTo(3));
    }
}
