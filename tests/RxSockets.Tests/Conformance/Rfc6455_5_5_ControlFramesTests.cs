using RxSockets.Protocol;
using RxSockets.Protocol.Frames;

namespace RxSockets.Tests.Conformance;

/// <summary>RFC 6455 §5.5 control frames (ping, pong, and the close frame's framing rules), received by our server
/// and our client from a raw peer.</summary>
public class Rfc6455_5_5_ControlFramesTests
{
    private static readonly IEnumerable<TestCaseData> s_pingLengths = ConformanceExchange.ForBothRoles(
        new[] { 0, 1, 124, 125 }.Select(length => new object[] { length }));

    private static readonly IEnumerable<TestCaseData> s_controlOpcodes = ConformanceExchange.ForBothRoles(
        new[] { 0x8, 0x9, 0xA }.Select(opcode => new object[] { opcode }));

    private static readonly IEnumerable<TestCaseData> s_roles = ConformanceExchange.ForBothRoles([[]]);

    [TestCaseSource(nameof(s_pingLengths)), CancelAfter(5_000)]
    public async Task Ping_UpTo125Bytes_IsAnsweredWithPongOfSamePayload(ConnectionRole role, int length, CancellationToken cancellationToken)
    {
        using var exchange = ConformanceExchange.Open(role);
        var payload = Enumerable.Range(0, length).Select(i => (byte)(255 - i)).ToArray();

        await exchange.SendAsync(cancellationToken, exchange.Frame(0x9, payload));
        var pong = await exchange.Peer.ExpectFrameAsync(Opcode.Pong, cancellationToken);
        var (messages, before) = await exchange.CloseCleanlyAsync(cancellationToken);

        Assert.That(pong.Payload, Is.EqualTo(payload));
        Assert.That(pong.Header.Fin, Is.True);
        Assert.That(messages, Is.Empty);
        Assert.That(before, Is.Empty);
    }

    [TestCaseSource(nameof(s_roles)), CancelAfter(5_000)]
    public async Task Ping_TenInARow_AreAnsweredInOrder(ConnectionRole role, CancellationToken cancellationToken)
    {
        using var exchange = ConformanceExchange.Open(role);
        var pings = Enumerable.Range(0, 10).Select(i => exchange.Frame(0x9, [(byte)i])).ToArray();

        await exchange.SendAsync(cancellationToken, pings);
        var pongs = new List<byte[]>();
        for (var i = 0; i < 10; i++)
        {
            pongs.Add((await exchange.Peer.ExpectFrameAsync(Opcode.Pong, cancellationToken)).Payload);
        }

        var (_, before) = await exchange.CloseCleanlyAsync(cancellationToken);

        Assert.That(pongs.Select(p => (int)p.Single()), Is.EqualTo(Enumerable.Range(0, 10)));
        Assert.That(before, Is.Empty);
    }

    // 126 bytes needs the 16-bit length form, which a control frame may not use (§5.5: at most 125 bytes).
    [TestCaseSource(nameof(s_controlOpcodes)), CancelAfter(5_000)]
    public async Task ControlFrame_126Bytes_ClosesWith1002(ConnectionRole role, int opcode, CancellationToken cancellationToken)
    {
        using var exchange = ConformanceExchange.Open(role);
        var payload = opcode == 0x8 ? WireFrame.CloseBody(1000, new byte[124]) : new byte[126];

        await exchange.SendAsync(cancellationToken, exchange.Frame(opcode, payload));

        await exchange.ExpectFailureAsync(CloseCode.ProtocolError, cancellationToken);
    }

    [TestCaseSource(nameof(s_controlOpcodes)), CancelAfter(5_000)]
    public async Task ControlFrame_LengthOver125In64BitForm_ClosesWith1002AtTheHeader(ConnectionRole role, int opcode, CancellationToken cancellationToken)
    {
        using var exchange = ConformanceExchange.Open(role);

        await exchange.SendAsync(cancellationToken, WireFrame.Header(role, opcode, 200, lengthBytes: 8));

        await exchange.ExpectFailureAsync(CloseCode.ProtocolError, cancellationToken);
    }

    [TestCaseSource(nameof(s_controlOpcodes)), CancelAfter(5_000)]
    public async Task ControlFrame_Fragmented_ClosesWith1002(ConnectionRole role, int opcode, CancellationToken cancellationToken)
    {
        using var exchange = ConformanceExchange.Open(role);
        var payload = opcode == 0x8 ? WireFrame.CloseBody(1000, []) : "ab"u8.ToArray();

        await exchange.SendAsync(cancellationToken, exchange.Frame(opcode, payload, fin: false));

        await exchange.ExpectFailureAsync(CloseCode.ProtocolError, cancellationToken);
    }

    [TestCaseSource(nameof(s_roles)), CancelAfter(5_000)]
    public async Task Ping_FragmentedAsPingThenContinuation_ClosesWith1002WithoutPong(ConnectionRole role, CancellationToken cancellationToken)
    {
        using var exchange = ConformanceExchange.Open(role);

        await exchange.SendAsync(cancellationToken, exchange.Frame(0x9, "ab"u8.ToArray(), fin: false), exchange.Frame(0x0, "cd"u8.ToArray()));

        await exchange.ExpectFailureAsync(CloseCode.ProtocolError, cancellationToken);
    }

    [TestCaseSource(nameof(s_roles)), CancelAfter(5_000)]
    public async Task Pong_Unsolicited_IsIgnored(ConnectionRole role, CancellationToken cancellationToken)
    {
        using var exchange = ConformanceExchange.Open(role);

        await exchange.SendAsync(cancellationToken, exchange.Frame(0xA, "unasked"u8.ToArray()), exchange.Frame(0x1, "after"u8.ToArray()));
        await exchange.WaitForMessagesAsync(1, cancellationToken);
        var (messages, before) = await exchange.CloseCleanlyAsync(cancellationToken);

        Assert.That(messages.Select(m => m.GetText()), Is.EqualTo(new[] { "after" }));
        Assert.That(before, Is.Empty, "nothing is sent in answer to a pong");
    }

    [TestCaseSource(nameof(s_roles)), CancelAfter(5_000)]
    public async Task Ping_LargerThanMaxMessageSize_IsStillAnswered(ConnectionRole role, CancellationToken cancellationToken)
    {
        using var exchange = ConformanceExchange.Open(role, o => o.MaxMessageSize = 10);
        var payload = new byte[125];

        await exchange.SendAsync(cancellationToken, exchange.Frame(0x9, payload));
        var pong = await exchange.Peer.ExpectFrameAsync(Opcode.Pong, cancellationToken);
        var (_, before) = await exchange.CloseCleanlyAsync(cancellationToken);

        Assert.That(pong.Payload, Has.Length.EqualTo(125));
        Assert.That(before, Is.Empty);
    }
}
