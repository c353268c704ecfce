using System.Buffers;
using System.Buffers.Binary;
using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.Reactive.Testing;
using RxSockets.Protocol;
using RxSockets.Protocol.Frames;
using RxSockets.Protocol.Handshake;
using RxSockets.Tests.Support;
using RxSockets.Transport;

namespace RxSockets.Tests.Conformance;

/// <summary>
/// RFC 6455 §5.5.2-5.5.3 against a hostile peer that pings without reading our pongs: the pongs queued stay at the
/// bound (<see cref="Outbox.MaxPendingPongs"/>) because the read loop stops reading until the writer has taken them,
/// so the peer is held back by TCP instead of growing our memory; every ping read is still answered, in order, and a
/// peer that never reads is ended by the keepalive. Both roles, in memory and over real loopback sockets.
/// </summary>
public class Rfc6455_5_5_3_PingFloodTests
{
    private const int PingsPerFlush = 100;

    private static readonly IEnumerable<TestCaseData> s_roles = ConformanceExchange.ForBothRoles([[]]);

    [TestCaseSource(nameof(s_roles)), CancelAfter(30_000)]
    public async Task PingFlood_PeerNotReading_PongsStayAtTheBoundThenAllAreAnsweredInOrder(ConnectionRole role, CancellationToken cancellationToken)
    {
        const int pings = 20_000;
        using var exchange = ConformanceExchange.Open(role, pipe: PipePair.SmallBuffer(4096));
        var flood = FloodAsync(role, exchange.Peer.Output, pings, payloadBytes: 4, cancellationToken);

        var held = await HeldBackAsync(exchange.Connection, flood, cancellationToken);

        Assert.That(held, Is.True, "the whole flood was read while no pong could leave: nothing held the peer back");
        AssertAtTheBound(exchange.Connection, payloadBytes: 4);

        // The peer reads at last: every ping is answered, in order.
        for (var i = 0; i < pings; i++)
        {
            var pong = await exchange.Peer.ExpectFrameAsync(Opcode.Pong, cancellationToken);
            Assert.That(BinaryPrimitives.ReadInt32BigEndian(pong.Payload), Is.EqualTo(i));
        }

        await flood;
        var (_, before) = await exchange.CloseCleanlyAsync(cancellationToken);
        Assert.That(before, Is.Empty);
    }

    // Pongs ask for nothing in return: a flood of them (unsolicited, from a peer that never reads) is read to the end
    // and leaves nothing queued on our side.
    [TestCaseSource(nameof(s_roles)), CancelAfter(30_000)]
    public async Task PongFlood_PeerNotReading_IsReadToTheEndAndQueuesNothing(ConnectionRole role, CancellationToken cancellationToken)
    {
        const int pongs = 20_000;
        using var exchange = ConformanceExchange.Open(role, pipe: PipePair.SmallBuffer(4096));
        var output = exchange.Peer.Output;
        for (var i = 0; i < pongs; i++)
        {
            output.Write(WireFrame.To(role, 0xA, BitConverter.GetBytes(i)));
            if ((i + 1) % PingsPerFlush == 0)
            {
                await output.FlushAsync(cancellationToken);
            }
        }

        await exchange.SendAsync(cancellationToken, exchange.Frame(0x1, "after"u8.ToArray()));
        await exchange.WaitForMessagesAsync(1, cancellationToken);

        Assert.That(DriverProbe.PendingPongs(exchange.Connection), Is.EqualTo((0, 0)));
        var (messages, before) = await exchange.CloseCleanlyAsync(cancellationToken);
        Assert.That(messages.Select(m => m.GetText()), Is.EqualTo(new[] { "after" }));
        Assert.That(before, Is.Empty, "nothing is sent in answer to pongs");
    }

    [Test, CancelAfter(60_000)]
    public async Task Server_RawClientFloodsPingsAndNeverReads_PongsStayAtTheBoundAndKeepaliveEndsIt(CancellationToken cancellationToken)
    {
        var clock = new TestScheduler();
        await using var server = await WebSocketServer.StartAsync(new WebSocketServerOptions { Scheduler = clock }, cancellationToken);
        var accepted = InMemory.NextAsync(server.Connections, cancellationToken);
        var (client, peer) = await RawHttp.UpgradeAsync(server.LocalEndPoint, cancellationToken);
        using (client)
        {
            var connection = await accepted;
            await HoldsFloodAsync(ConnectionRole.Server, peer.Output, connection, clock, cancellationToken);
        }

        await Until.TrueAsync(() => server.ClientCount == 0, cancellationToken);
    }

    [Test, CancelAfter(60_000)]
    public async Task Client_RawServerFloodsPingsAndNeverReads_PongsStayAtTheBoundAndKeepaliveEndsIt(CancellationToken cancellationToken)
    {
        var clock = new TestScheduler();
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var accepting = AcceptHostileAsync(listener, cancellationToken);
        var connection = await WebSocketConnection.ConnectAsync(new Uri($"ws://127.0.0.1:{port}/"), new WebSocketClientOptions { Scheduler = clock }, cancellationToken);
        using var hostile = await accepting;

        await HoldsFloodAsync(ConnectionRole.Client, PipeWriter.Create(hostile.GetStream()), connection, clock, cancellationToken);
    }

    /// <summary>Floods pings of 125 bytes over a real socket until the connection stops reading, asserts the bound,
    /// then lets the keepalive (on virtual time) declare the silent peer dead.</summary>
    private static async Task HoldsFloodAsync(ConnectionRole target, PipeWriter output, WebSocketConnection connection, TestScheduler clock, CancellationToken cancellationToken)
    {
        // Loopback buffers (both sockets, both directions) hold some megabytes; this is far more than they can.
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var flood = FloodAsync(target, output, 1_000_000, payloadBytes: 125, stop.Token);

        var held = await HeldBackAsync(connection, flood, cancellationToken);

        Assert.That(held, Is.True, "the whole flood was read while no pong could leave: nothing held the peer back");
        AssertAtTheBound(connection, payloadBytes: 125);

        // Nothing is read any more, so nothing proves the peer alive: the keepalive ends the connection.
        // The default keepalive: a ping at the next 20 s tick, 20 s to answer it. Its timeout is armed from another
        // thread once the tick ran, so time moves a second at a time until the connection ends (not once by 60 s,
        // which could pass before that timer exists).
        await Until.TrueAsync(() =>
        {
            clock.AdvanceBy(TimeSpan.FromSeconds(1));
            return connection.Completion.IsCompleted;
        }, cancellationToken);
        var error = await Assert.ThrowsAsync<ConnectionClosedException>(() => connection.Completion.WaitAsync(cancellationToken));
        Assert.That(error?.InnerException, Is.InstanceOf<TimeoutException>());
        await stop.CancelAsync();
        try
        {
            await flood;
        }
        catch (Exception ended) when (ended is OperationCanceledException or IOException or SocketException)
        {
            // The flood stops with the connection.
        }
    }

    /// <summary>Waits until the read loop holds back for its pongs with the most queued, or the flood has all been
    /// read. True in the first case.</summary>
    private static async Task<bool> HeldBackAsync(WebSocketConnection connection, Task flood, CancellationToken cancellationToken)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var paused = Until.TrueAsync(
            () => DriverProbe.IsPongPaused(connection) && DriverProbe.PendingPongs(connection).Count == Outbox.MaxPendingPongs, stop.Token);
        var first = await Task.WhenAny(paused, flood);
        await stop.CancelAsync();
        if (first == flood)
        {
            await flood;   // a failed flood fails the test with its own error
        }

        return first == paused && !flood.IsCompleted;
    }

    private static void AssertAtTheBound(WebSocketConnection connection, int payloadBytes)
    {
        var (count, bytes) = DriverProbe.PendingPongs(connection);
        Assert.That(count, Is.LessThanOrEqualTo(Outbox.MaxPendingPongs), "pongs queued");
        Assert.That(bytes, Is.LessThanOrEqualTo(Outbox.MaxPendingPongs * payloadBytes), "pong bytes queued");
    }

    /// <summary>Writes <paramref name="count"/> pings numbered from 0, <see cref="PingsPerFlush"/> per flush, never
    /// reading: each flush waits while the connection does not read.</summary>
    private static async Task FloodAsync(ConnectionRole target, PipeWriter output, int count, int payloadBytes, CancellationToken cancellationToken)
    {
        await Task.Yield();
        var payload = new byte[payloadBytes];
        for (var i = 0; i < count; i++)
        {
            BinaryPrimitives.WriteInt32BigEndian(payload, i);
            output.Write(WireFrame.To(target, 0x9, payload));
            if ((i + 1) % PingsPerFlush == 0 || i == count - 1)
            {
                await output.FlushAsync(cancellationToken);
            }
        }
    }

    /// <summary>Accepts one client and completes its opening handshake by hand: the hostile server's socket.</summary>
    private static async Task<TcpClient> AcceptHostileAsync(TcpListener listener, CancellationToken cancellationToken)
    {
        var client = await listener.AcceptTcpClientAsync(cancellationToken);
        var stream = client.GetStream();
        var head = new StringBuilder();
        var buffer = new byte[1];
        while (!head.ToString().EndsWith("\r\n\r\n", StringComparison.Ordinal))
        {
            var read = await stream.ReadAsync(buffer, cancellationToken);
            Assert.That(read, Is.EqualTo(1), "the client closed before its request ended");
            head.Append((char)buffer[0]);
        }

        var key = head.ToString().Split("\r\n").Single(line => line.StartsWith("Sec-WebSocket-Key:", StringComparison.OrdinalIgnoreCase))["Sec-WebSocket-Key:".Length..].Trim();
        var answer = $"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: {AcceptKey.Compute(key)}\r\n\r\n";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(answer), cancellationToken);
        return client;
    }
}
