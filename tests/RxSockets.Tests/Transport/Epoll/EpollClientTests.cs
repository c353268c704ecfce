using System.Net;
using System.Net.Sockets;
using Microsoft.Reactive.Testing;
using RxSockets.Tests.Support;
using RxSockets.Transport;
using RxSockets.Transport.Connect;
using RxSockets.Transport.Epoll;
using RxSockets.Transport.Sockets;

namespace RxSockets.Tests.Transport.Epoll;

/// <summary>Which transport a client connection gets, and the connect-phase limits on it. Run with
/// <c>RXSOCKETS_EPOLL=0</c> too: then every client uses .NET sockets and the limits must behave the same.</summary>
public class EpollClientTests
{
    private static WebSocketClientOptions Direct() => new() { UseEnvironmentProxy = false };

    [Test, CancelAfter(10_000)]
    public async Task OpenAsync_PlainDirectUrl_UsesEpollWhereEnabled(CancellationToken cancellationToken)
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var url = new Uri($"ws://127.0.0.1:{((IPEndPoint)listener.LocalEndpoint).Port}/");

        var transport = await ClientConnector.OpenAsync(url, Direct().ToConnectSettings(), cancellationToken);
        await transport.CloseAsync(shutdownFirst: false);

        Assert.That(transport, EpollTransport.Enabled ? Is.InstanceOf<EpollSocket>() : Is.InstanceOf<SocketTransport>());
    }

    [Test, CancelAfter(10_000)]
    public async Task OpenAsync_ThroughProxy_UsesDotNetSockets(CancellationToken cancellationToken)
    {
        using var proxy = new TcpListener(IPAddress.Loopback, 0);
        proxy.Start();
        var options = new WebSocketClientOptions { Proxy = new WebProxy($"http://127.0.0.1:{((IPEndPoint)proxy.LocalEndpoint).Port}") };
        var answering = AnswerConnectAsync(proxy, cancellationToken);

        var transport = await ClientConnector.OpenAsync(new Uri("ws://target.test:9/"), options.ToConnectSettings(), cancellationToken);
        await transport.CloseAsync(shutdownFirst: false);
        await answering;

        Assert.That(transport, Is.InstanceOf<SocketTransport>());
    }

    [TestCase("ws://127.0.0.1:9/", false, true)]
    [TestCase("wss://127.0.0.1:9/", false, false)]
    [TestCase("ws://127.0.0.1:9/", true, false)]
    public void IsPlainDirect_SchemeAndProxy_OnlyWsWithoutProxy(string url, bool proxied, bool expected)
    {
        var options = Direct();
        options.Proxy = proxied ? new WebProxy("http://proxy.test:3128") : null;

        var route = new ClientRoute(new Uri(url), options.ToConnectSettings());

        Assert.That(route.IsPlainDirect, Is.EqualTo(expected));
    }

    [Test, CancelAfter(10_000)]
    public async Task ConnectAsync_HandshakeTimeoutWhileTcpConnects_ThrowsHandshakeTimedOut(CancellationToken cancellationToken)
    {
        using var full = await FullBacklogListener.CreateAsync(cancellationToken);
        var clock = new TestScheduler();
        var options = Direct();
        options.Scheduler = clock;
        options.HandshakeTimeout = TimeSpan.FromSeconds(1);

        var connecting = WebSocketConnection.ConnectAsync(new Uri($"ws://127.0.0.1:{full.EndPoint.Port}/"), options, cancellationToken).AsTask();
        clock.AdvanceBy(TimeSpan.FromSeconds(2));

        var error = await Assert.ThrowsAsync<HandshakeException>(async () => await connecting.WaitAsync(cancellationToken));
        Assert.That(error?.InnerException, Is.InstanceOf<TimeoutException>());
    }

    [Test, CancelAfter(10_000)]
    public async Task ConnectAsync_CallerCancelsWhileTcpConnects_ThrowsOperationCanceled(CancellationToken cancellationToken)
    {
        using var full = await FullBacklogListener.CreateAsync(cancellationToken);
        using var cancel = new CancellationTokenSource();

        var connecting = WebSocketConnection.ConnectAsync(new Uri($"ws://127.0.0.1:{full.EndPoint.Port}/"), Direct(), cancel.Token).AsTask();
        await cancel.CancelAsync();

        Assert.That(async () => await connecting.WaitAsync(cancellationToken), Throws.InstanceOf<OperationCanceledException>());
    }

    [Test, CancelAfter(10_000)]
    public async Task ConnectAsync_IPv6LoopbackServer_EchoesOverTheClientTransport(CancellationToken cancellationToken)
    {
        await using var server = await WebSocketServer.StartAsync(new WebSocketServerOptions { Host = "::1" }, cancellationToken);
        var echoing = EchoOnceAsync(server, cancellationToken);
        await using var client = await WebSocketConnection.ConnectAsync($"ws://[::1]:{server.LocalEndPoint.Port}/", Direct(), cancellationToken);
        var reader = client.ReadAllAsync(cancellationToken).GetAsyncEnumerator(cancellationToken);

        await client.SendAsync(Message.Text("over ::1"), cancellationToken);
        await reader.MoveNextAsync();
        var echo = reader.Current.GetText();
        await reader.DisposeAsync();
        await echoing;

        Assert.That(echo, Is.EqualTo("over ::1"));
        Assert.That(((IPEndPoint?)client.RemoteEndPoint)?.Address, Is.EqualTo(IPAddress.IPv6Loopback));
    }

    private static async Task EchoOnceAsync(WebSocketServer server, CancellationToken cancellationToken)
    {
        await foreach (var connection in server.AcceptAllAsync(cancellationToken))
        {
            await foreach (var message in connection.ReadAllAsync(cancellationToken))
            {
                await connection.SendAsync(message, cancellationToken);
                return;
            }
        }
    }

    /// <summary>A minimal HTTP proxy: reads one CONNECT request and answers 200, then leaves the tunnel idle.</summary>
    private static async Task AnswerConnectAsync(TcpListener proxy, CancellationToken cancellationToken)
    {
        using var client = await proxy.AcceptSocketAsync(cancellationToken);
        var request = new List<byte>();
        var buffer = new byte[1024];
        while (!request.ToArray().AsSpan().EndsWith("\r\n\r\n"u8))
        {
            var count = await client.ReceiveAsync(buffer, cancellationToken);
            Assert.That(count, Is.Positive, "the client left before finishing CONNECT");
            request.AddRange(buffer.AsSpan(0, count).ToArray());
        }

        await client.SendAsync("HTTP/1.1 200 Connection established\r\n\r\n"u8.ToArray(), cancellationToken);
    }
}
