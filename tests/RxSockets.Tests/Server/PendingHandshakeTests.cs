using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Reactive.Testing;
using RxSockets.Server;
using RxSockets.Tests.Support;
using RxSockets.Transport;
using RxSockets.Transport.Accept;
using RxSockets.Transport.Sockets;

namespace RxSockets.Tests.Server;

/// <summary>
/// Slowloris: sockets whose upgrade request is still arriving have their own budget
/// (<see cref="WebSocketServerOptions.MaxPendingHandshakes"/>), do not count toward the connection limits, and make
/// room for a newcomer by dropping the oldest of them; a handshake that runs out of time is answered 408.
/// Every test runs the handshake clock on virtual time, so no handshake times out unless the test moves the clock.
/// </summary>
public class PendingHandshakeTests
{
    // A request head cut short, as a slowloris client sends it: a byte now and then, never the blank line.
    private static readonly byte[] s_trickle = Encoding.ASCII.GetBytes("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-a: b");

    [Test, CancelAfter(10_000)]
    public async Task PendingBudgetFullOfTricklingSockets_RealClientStillConnects(CancellationToken cancellationToken)
    {
        await using var server = await StartAsync(maxPending: 4, maxConnections: 4, cancellationToken);
        var trickling = await OpenPendingAsync(server, 4, s_trickle, cancellationToken);

        await using var client = await WebSocketConnection.ConnectAsync(server.Url, cancellationToken: cancellationToken);
        await Until.TrueAsync(() => server.ClientCount == 1, cancellationToken);

        Assert.That(client.State, Is.EqualTo(ConnectionState.Open));
        Assert.That(server.PendingHandshakeCount, Is.EqualTo(3), "the oldest trickler made room; the other three wait on");
        Dispose(trickling);
    }

    [Test, CancelAfter(10_000)]
    public async Task PendingBudgetFull_NewSocket_DropsTheOldestPendingWith503(CancellationToken cancellationToken)
    {
        await using var server = await StartAsync(maxPending: 3, maxConnections: 10, cancellationToken);
        // The oldest sends nothing (bytes the server never read would turn its close into a reset); the others trickle.
        var oldest = await OpenPendingAsync(server, 1, [], cancellationToken);
        var younger = await OpenPendingAsync(server, 2, s_trickle, cancellationToken);
        var oldestAnswer = RawHttp.ReadToEndAsync(oldest[0].GetStream(), cancellationToken);
        var oldestOpenWhileBudgetHadRoom = !oldestAnswer.IsCompleted;

        using var newcomer = new TcpClient();
        await newcomer.ConnectAsync(server.LocalEndPoint, cancellationToken);   // its arrival drops the oldest
        var answer = await oldestAnswer;

        // The second oldest is still served: it finishes its request and is upgraded.
        var second = younger[0].GetStream();
        await second.WriteAsync(Encoding.ASCII.GetBytes("\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"), cancellationToken);
        var upgraded = await ReadHeadAsync(second, cancellationToken);

        Assert.That(oldestOpenWhileBudgetHadRoom, Is.True);
        Assert.That(answer, Does.StartWith("HTTP/1.1 503 Service Unavailable\r\n"));
        Assert.That(answer, Does.EndWith("too many handshakes pending: this one was the oldest"));
        Assert.That(upgraded, Does.StartWith("HTTP/1.1 101 "));
        await Until.TrueAsync(() => server.ClientCount == 1 && server.PendingHandshakeCount == 2, cancellationToken);
        Dispose([.. oldest, .. younger]);
    }

    [Test, CancelAfter(10_000)]
    public async Task PendingHandshakes_DoNotCountTowardMaxConnections_AndUpgradedOnesDo(CancellationToken cancellationToken)
    {
        await using var server = await StartAsync(maxPending: 10, maxConnections: 1, cancellationToken);
        var trickling = await OpenPendingAsync(server, 2, s_trickle, cancellationToken);
        var pendingBefore = (server.PendingHandshakeCount, server.ClientCount);

        await using var client = await WebSocketConnection.ConnectAsync(server.Url, cancellationToken: cancellationToken);
        await Until.TrueAsync(() => server.ClientCount == 1, cancellationToken);
        var withClient = (server.PendingHandshakeCount, server.ClientCount);

        // A pending socket that finishes its request now needs a connection place: there is none left.
        var stream = trickling[0].GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes("\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"), cancellationToken);
        trickling[0].Client.Shutdown(SocketShutdown.Send);   // the server drains until our end before it closes
        var refused = await RawHttp.ReadToEndAsync(stream, cancellationToken);

        Assert.That(pendingBefore, Is.EqualTo((2, 0)));
        Assert.That(withClient, Is.EqualTo((2, 1)));
        Assert.That(refused, Does.StartWith("HTTP/1.1 503 "));
        Assert.That(refused, Does.EndWith("the server is at its connection limit"));
        await Until.TrueAsync(() => server.PendingHandshakeCount == 1, cancellationToken);
        Assert.That(server.ClientCount, Is.EqualTo(1));
        Dispose(trickling);
    }

    [Test, CancelAfter(10_000)]
    public async Task HandshakeTimeout_RequestNotArrived_Answers408AndCloses(CancellationToken cancellationToken)
    {
        var clock = new TestScheduler();
        await using var server = await WebSocketServer.StartAsync(new WebSocketServerOptions { Scheduler = clock, HandshakeTimeout = TimeSpan.FromSeconds(5) }, cancellationToken);
        var slow = await OpenPendingAsync(server, 1, [], cancellationToken);
        var reading = RawHttp.ReadToEndAsync(slow[0].GetStream(), cancellationToken);

        clock.AdvanceBy(TimeSpan.FromSeconds(5) - TimeSpan.FromTicks(1));
        var openJustBefore = !reading.IsCompleted && server.PendingHandshakeCount == 1;
        clock.AdvanceBy(TimeSpan.FromTicks(1));   // the socket was accepted (counted pending): its time runs from then
        var answer = await reading;

        Assert.That(openJustBefore, Is.True);
        Assert.That(answer, Does.StartWith("HTTP/1.1 408 Request Timeout\r\n"));
        Assert.That(answer, Does.Contain("\r\nConnection: close\r\n"));
        Assert.That(server.PendingHandshakeCount, Is.Zero);
        Assert.That(server.ClientCount, Is.Zero);
        Dispose(slow);
    }

    [Test, CancelAfter(5_000)]
    public async Task HandshakeTimeout_PartOfTheRequestRead_Answers408(CancellationToken cancellationToken)
    {
        // In memory, so that the partial request is certainly read before the time runs out (over a socket a close
        // with unread bytes could reset the connection and destroy the answer, which would prove nothing).
        var clock = new TestScheduler();
        var options = new WebSocketServerOptions { Scheduler = clock };
        var acceptor = new ServerAcceptor(options.ToAcceptSettings(), new Admission(options.ToAcceptSettings()), NullLogger.Instance);
        var (server, client) = PipePair.Create(new PipeOptions(readerScheduler: PipeScheduler.Inline, writerScheduler: PipeScheduler.Inline, useSynchronizationContext: false));
        var owner = new Owner(options);
        var handshake = acceptor.AcceptAsync(new PipeTransport(server), new IPEndPoint(IPAddress.Loopback, 50000), owner, CancellationToken.None);
        await client.Output.WriteAsync(s_trickle, cancellationToken);
        var pendingBefore = acceptor.PendingCount;

        clock.AdvanceBy(options.HandshakeTimeout);
        await handshake.WaitAsync(cancellationToken);
        var answer = await ReadAllAsync(client.Input, cancellationToken);

        Assert.That(pendingBefore, Is.EqualTo(1));
        Assert.That(answer, Does.StartWith("HTTP/1.1 408 Request Timeout\r\n"));
        Assert.That(answer, Does.EndWith("the request did not arrive within the handshake timeout"));
        Assert.That(acceptor.PendingCount, Is.Zero);
        Assert.That(owner.Ended, Is.True);
        Assert.That(owner.Connection, Is.Null);
    }

    [Test]
    public void Options_MaxPendingHandshakesNotPositive_ThrowsNamingIt()
    {
        var options = new WebSocketServerOptions { MaxPendingHandshakes = 0 };

        var error = Assert.Throws<ArgumentException>(() => WebSocketServer.CreateDetached(options));

        Assert.That(error?.ParamName, Is.EqualTo(nameof(WebSocketServerOptions.MaxPendingHandshakes)));
        Assert.That(error?.Message, Does.Contain("MaxPendingHandshakes"));
        Assert.That(new WebSocketServerOptions().MaxPendingHandshakes, Is.EqualTo(1_000));
    }

    [Test, CancelAfter(10_000)]
    public async Task RequestInTwoParts_WaitedForTwice_Opens(CancellationToken cancellationToken)
    {
        // Over a real socket (the epoll transport on Linux): the handshake waits for the first part through the read's
        // callback, takes it, finds the request incomplete and waits again, then opens on the rest.
        await using var server = await WebSocketServer.StartAsync(new WebSocketServerOptions { Scheduler = new TestScheduler() }, cancellationToken);
        var request = Encoding.ASCII.GetBytes(
            "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n" +
            "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n");
        var pending = await OpenPendingAsync(server, 1, request[..20], cancellationToken);
        var stream = pending[0].GetStream();

        await stream.WriteAsync(request.AsMemory(20), cancellationToken);
        var head = await ReadHeadAsync(stream, cancellationToken);

        Assert.That(head, Does.StartWith("HTTP/1.1 101 "));
        Assert.That(head, Does.Contain("\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"));
        await Until.TrueAsync(() => server.ClientCount == 1 && server.PendingHandshakeCount == 0, cancellationToken);
        Dispose(pending);
    }

    private static ValueTask<WebSocketServer> StartAsync(int maxPending, int maxConnections, CancellationToken cancellationToken) =>
        WebSocketServer.StartAsync(new WebSocketServerOptions
        {
            Scheduler = new TestScheduler(),   // the handshake timeout never passes on its own
            MaxPendingHandshakes = maxPending,
            MaxConnections = maxConnections,
        }, cancellationToken);

    /// <summary>Opens <paramref name="count"/> raw sockets one after the other, each sending <paramref name="bytes"/>,
    /// and waits until the server counts each one pending before opening the next: so the server sees them in order.
    /// The budget must have room for them all.</summary>
    private static async Task<TcpClient[]> OpenPendingAsync(WebSocketServer server, int count, byte[] bytes, CancellationToken cancellationToken)
    {
        var clients = new TcpClient[count];
        for (var i = 0; i < count; i++)
        {
            var expected = server.PendingHandshakeCount + 1;
            clients[i] = new TcpClient();
            await clients[i].ConnectAsync(server.LocalEndPoint, cancellationToken);
            if (bytes.Length > 0)
            {
                await clients[i].GetStream().WriteAsync(bytes, cancellationToken);
            }

            await Until.TrueAsync(() => server.PendingHandshakeCount == expected, cancellationToken);
        }

        return clients;
    }

    private static async Task<string> ReadHeadAsync(NetworkStream stream, CancellationToken cancellationToken)
    {
        var received = new StringBuilder();
        var buffer = new byte[1];
        while (!received.ToString().EndsWith("\r\n\r\n", StringComparison.Ordinal))
        {
            var read = await stream.ReadAsync(buffer, cancellationToken);
            if (read == 0)
            {
                break;
            }

            received.Append((char)buffer[0]);
        }

        return received.ToString();
    }

    private static async Task<string> ReadAllAsync(PipeReader input, CancellationToken cancellationToken)
    {
        while (true)
        {
            var result = await input.ReadAsync(cancellationToken);
            if (result.IsCompleted)
            {
                return Encoding.ASCII.GetString(result.Buffer.ToArray());
            }

            input.AdvanceTo(result.Buffer.Start, result.Buffer.End);
        }
    }

    private static void Dispose(IEnumerable<TcpClient> clients)
    {
        foreach (var client in clients)
        {
            client.Dispose();
        }
    }

    /// <summary>Builds the connection on what the acceptor hands up, as the server does.</summary>
    private sealed class Owner(ConnectionOptions options) : IHandshakeOwner
    {
        public bool Ended { get; private set; }

        public WebSocketConnection? Connection { get; private set; }

        public void OnHandshakeEnded(AcceptedTransport? accepted, IPAddress? address)
        {
            Ended = true;
            Connection = accepted is { } opened ? new WebSocketConnection(opened.Transport, ConnectionRole.Server, options, opened.Info) : null;
        }
    }
}
