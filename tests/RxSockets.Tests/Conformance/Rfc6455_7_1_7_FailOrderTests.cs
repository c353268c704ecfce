using Microsoft.Reactive.Testing;
using RxSockets.Protocol;
using RxSockets.Protocol.Frames;
using RxSockets.Tests.Support;
using RxSockets.Transport;

namespace RxSockets.Tests.Conformance;

/// <summary>
/// RFC 6455 §7.1.7 (failing the connection) in the order Autobahn's non-strict cases check (3.2, 3.3, 4.1.3-4.1.5,
/// 4.2.3-4.2.5, 5.15): the peer sends a valid message and, in the same segment, an invalid frame. The message still
/// reaches the consumer, its answer leaves before our 1002 close frame, and nothing after the invalid frame is
/// handled (the ping behind it is not answered).
/// </summary>
public class Rfc6455_7_1_7_FailOrderTests
{
    private static readonly IEnumerable<TestCaseData> s_violations = ConformanceExchange.ForBothRoles(
        new[] { "rsv2", "rsv3", "reserved data opcode 3", "reserved control opcode 0xB", "continuation with nothing to continue" }
            .Select(name => new object[] { name }));

    private static readonly IEnumerable<TestCaseData> s_roles = ConformanceExchange.ForBothRoles([[]]);

    [TestCaseSource(nameof(s_violations)), CancelAfter(5_000)]
    public async Task ValidMessageThenViolation_InOneSegment_EchoLeavesBeforeTheClose(ConnectionRole role, string violation, CancellationToken cancellationToken)
    {
        using var exchange = ConformanceExchange.Open(role);
        using var echo = exchange.Connection.Incoming.Subscribe(message => exchange.Connection.Outgoing.OnNext(message));

        await exchange.SendAsync(cancellationToken,
            exchange.Frame(0x1, "Hello"u8.ToArray()),
            Violation(exchange, violation),
            exchange.Frame(0x9, "after"u8.ToArray()));
        var (frames, close) = await exchange.ReadUntilCloseAsync(cancellationToken);
        await exchange.Peer.CompleteAsync();
        await exchange.Peer.ExpectEndAsync(cancellationToken);

        Assert.That(frames.Select(f => (f.Header.Opcode, Text: System.Text.Encoding.UTF8.GetString(f.Payload))),
            Is.EqualTo(new[] { (Opcode.Text, "Hello") }), "frames before the close: the echo, and no pong for the ping after the violation");
        Assert.That(close?.Code, Is.EqualTo(CloseCode.ProtocolError));
        var error = await Assert.ThrowsAsync<ConnectionClosedException>(() => exchange.Connection.Completion.WaitAsync(cancellationToken));
        Assert.That((error?.InnerException as ProtocolException)?.Code, Is.EqualTo(CloseCode.ProtocolError));
        Assert.That(exchange.Incoming.Values.Select(m => m.GetText()), Is.EqualTo(new[] { "Hello" }));
    }

    // Autobahn 5.15: a fragmented message, then a continuation with nothing to continue, then another message.
    [TestCaseSource(nameof(s_roles)), CancelAfter(5_000)]
    public async Task FragmentedMessageThenStrayContinuation_EchoOfTheWholeMessageLeavesBeforeTheClose(ConnectionRole role, CancellationToken cancellationToken)
    {
        using var exchange = ConformanceExchange.Open(role);
        using var echo = exchange.Connection.Incoming.Subscribe(message => exchange.Connection.Outgoing.OnNext(message));

        await exchange.SendAsync(cancellationToken,
            exchange.Frame(0x1, "fragment1"u8.ToArray(), fin: false),
            exchange.Frame(0x0, "fragment2"u8.ToArray()),
            exchange.Frame(0x0, "fragment3"u8.ToArray(), fin: false),
            exchange.Frame(0x1, "fragment4"u8.ToArray()));
        var (frames, close) = await exchange.ReadUntilCloseAsync(cancellationToken);

        Assert.That(frames.Select(f => System.Text.Encoding.UTF8.GetString(f.Payload)), Is.EqualTo(new[] { "fragment1fragment2" }));
        Assert.That(close?.Code, Is.EqualTo(CloseCode.ProtocolError));
    }

    // The echo-client pattern: the consumer starts after the messages arrived (or on another thread). The close waits
    // for it to take them and answer, as long as it comes within the grace.
    [TestCaseSource(nameof(s_roles)), CancelAfter(5_000)]
    public async Task ConsumerArrivesAfterTheViolation_ItsEchoStillLeavesBeforeTheClose(ConnectionRole role, CancellationToken cancellationToken)
    {
        using var opened = Open(role);
        var (connection, peer, _) = opened;
        var ping = WireFrame.To(role, 0x9, "seen"u8.ToArray());

        await peer.WriteAsync([.. WireFrame.To(role, 0x1, "Hello"u8.ToArray()), .. ping, .. WireFrame.To(role, 0x1, "x"u8.ToArray(), rsv: 2)], cancellationToken);
        await peer.ExpectFrameAsync(Opcode.Pong, cancellationToken);   // the read loop has met the violation
        using var echo = connection.Incoming.Subscribe(message => connection.Outgoing.OnNext(message));

        Assert.That(await peer.ExpectTextAsync(cancellationToken), Is.EqualTo("Hello"));
        Assert.That((await peer.ExpectCloseAsync(cancellationToken))?.Code, Is.EqualTo(CloseCode.ProtocolError));
    }

    // Nobody consumes: the close is not held for ever, only for the grace, on the connection's clock.
    [TestCaseSource(nameof(s_roles)), CancelAfter(5_000)]
    public async Task NoConsumer_TheCloseLeavesAfterTheGrace(ConnectionRole role, CancellationToken cancellationToken)
    {
        using var opened = Open(role);
        var (connection, peer, clock) = opened;

        await peer.WriteAsync([.. WireFrame.To(role, 0x1, "Hello"u8.ToArray()), .. WireFrame.To(role, 0x9, "seen"u8.ToArray()), .. WireFrame.To(role, 0x3, [])], cancellationToken);
        await peer.ExpectFrameAsync(Opcode.Pong, cancellationToken);

        Assert.That(connection.State, Is.EqualTo(ConnectionState.Open), "the close waits for the consumer");
        Assert.That(await clock.StepAsync(cancellationToken), Is.EqualTo(Inbox.AnswerGrace));
        Assert.That((await peer.ExpectCloseAsync(cancellationToken))?.Code, Is.EqualTo(CloseCode.ProtocolError));
        await peer.CompleteAsync();
        await Assert.ThrowsAsync<ConnectionClosedException>(() => connection.Completion.WaitAsync(cancellationToken));
    }

    private static byte[] Violation(ConformanceExchange exchange, string name) => name switch
    {
        "rsv2" => exchange.Frame(0x1, "Hello"u8.ToArray(), rsv: 2),
        "rsv3" => exchange.Frame(0x1, "Hello"u8.ToArray(), rsv: 3),
        "reserved data opcode 3" => exchange.Frame(0x3, "reserved"u8.ToArray()),
        "reserved control opcode 0xB" => exchange.Frame(0xB, "reserved"u8.ToArray()),
        _ => exchange.Frame(0x0, "stray"u8.ToArray()),
    };

    /// <summary>A connection with no consumer yet and no keepalive, whose only timer is the one under test.</summary>
    private static Opened Open(ConnectionRole role)
    {
        var clock = new TestScheduler();
        var (local, remote) = PipePair.Create();
        ConnectionOptions options = role == ConnectionRole.Client ? new WebSocketClientOptions() : new WebSocketServerOptions();
        options.Scheduler = clock;
        options.KeepAliveInterval = Timeout.InfiniteTimeSpan;
        return new Opened(WebSocketConnection.Create(local, role, options), RawPeer.For(role, remote), clock);
    }

    /// <summary>A connection of ours and the raw peer on its other end; disposing aborts the connection.</summary>
    private sealed record Opened(WebSocketConnection Connection, RawPeer Peer, TestScheduler Clock) : IDisposable
    {
        public void Dispose() => Connection.Abort();
    }
}
