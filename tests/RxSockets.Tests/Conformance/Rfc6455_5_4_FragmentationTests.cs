using System.Text;
using RxSockets.Protocol;
using RxSockets.Protocol.Frames;

namespace RxSockets.Tests.Conformance;

/// <summary>RFC 6455 §5.4 fragmentation, received by our server and our client from a raw peer.</summary>
public class Rfc6455_5_4_FragmentationTests
{
    private static readonly IEnumerable<TestCaseData> s_roles = ConformanceExchange.ForBothRoles([[]]);

    private static readonly IEnumerable<TestCaseData> s_dataOpcodes = ConformanceExchange.ForBothRoles(
        new[] { 0x1, 0x2 }.Select(opcode => new object[] { opcode }));

    // Fragment payloads of a text message, empty ones included, and the text they make.
    private static readonly IEnumerable<TestCaseData> s_fragmentations = ConformanceExchange.ForBothRoles(
    [
        [new[] { "", "" }],
        [new[] { "", "", "" }],
        [new[] { "", "abc" }],
        [new[] { "abc", "" }],
        [new[] { "a", "", "b", "", "c" }],
        [new[] { "Hel", "lo" }],
        [Enumerable.Range(0, 100).Select(i => ((char)('a' + i % 26)).ToString()).ToArray()],
    ], c => string.Join("|", (string[])c[0]));

    [TestCaseSource(nameof(s_fragmentations)), CancelAfter(5_000)]
    public async Task Fragments_IncludingEmptyOnes_DeliverOneWholeMessage(ConnectionRole role, string[] fragments, CancellationToken cancellationToken)
    {
        using var exchange = ConformanceExchange.Open(role);
        var frames = fragments.Select((text, i) => exchange.Frame(i == 0 ? 0x1 : 0x0, Encoding.UTF8.GetBytes(text), fin: i == fragments.Length - 1));

        await exchange.SendAsync(cancellationToken, [.. frames]);
        await exchange.WaitForMessagesAsync(1, cancellationToken);
        var (messages, _) = await exchange.CloseCleanlyAsync(cancellationToken);

        Assert.That(messages, Has.Count.EqualTo(1));
        Assert.That(messages[0].Type, Is.EqualTo(MessageType.Text));
        Assert.That(messages[0].GetText(), Is.EqualTo(string.Concat(fragments)));
    }

    [TestCaseSource(nameof(s_roles)), CancelAfter(5_000)]
    public async Task ControlFrames_InterleavedInFragmentedMessage_AreHandledAtOnceAndTheMessageStaysWhole(ConnectionRole role, CancellationToken cancellationToken)
    {
        using var exchange = ConformanceExchange.Open(role);

        await exchange.SendAsync(cancellationToken,
            exchange.Frame(0x2, [1, 2], fin: false),
            exchange.Frame(0x9, "p1"u8.ToArray()),
            exchange.Frame(0x0, [3], fin: false),
            exchange.Frame(0xA, "unasked"u8.ToArray()),
            exchange.Frame(0x9, "p2"u8.ToArray()));
        var pong1 = await exchange.Peer.ExpectFrameAsync(Opcode.Pong, cancellationToken);
        var pong2 = await exchange.Peer.ExpectFrameAsync(Opcode.Pong, cancellationToken);
        var deliveredBeforeFinal = exchange.Incoming.Values.Count;
        await exchange.SendAsync(cancellationToken, exchange.Frame(0x0, [4], fin: true));
        await exchange.WaitForMessagesAsync(1, cancellationToken);
        var (messages, before) = await exchange.CloseCleanlyAsync(cancellationToken);

        Assert.That(Encoding.ASCII.GetString(pong1.Payload), Is.EqualTo("p1"));
        Assert.That(Encoding.ASCII.GetString(pong2.Payload), Is.EqualTo("p2"));
        Assert.That(deliveredBeforeFinal, Is.Zero);
        Assert.That(messages.Single().Data.ToArray(), Is.EqualTo(new byte[] { 1, 2, 3, 4 }));
        Assert.That(before, Is.Empty);
    }

    [TestCaseSource(nameof(s_roles)), CancelAfter(5_000)]
    public async Task Close_InsideFragmentedMessage_IsEchoedAndThePartialMessageIsNotDelivered(ConnectionRole role, CancellationToken cancellationToken)
    {
        using var exchange = ConformanceExchange.Open(role);

        await exchange.SendAsync(cancellationToken, exchange.Frame(0x1, "part"u8.ToArray(), fin: false));
        var (messages, before) = await exchange.CloseCleanlyAsync(cancellationToken);

        Assert.That(messages, Is.Empty);
        Assert.That(before, Is.Empty);
    }

    [TestCaseSource(nameof(s_roles)), CancelAfter(5_000)]
    public async Task Continuation_WithoutStart_ClosesWith1002(ConnectionRole role, CancellationToken cancellationToken)
    {
        using var exchange = ConformanceExchange.Open(role);

        await exchange.SendAsync(cancellationToken, exchange.Frame(0x0, "orphan"u8.ToArray()));

        await exchange.ExpectFailureAsync(CloseCode.ProtocolError, cancellationToken);
    }

    [TestCaseSource(nameof(s_roles)), CancelAfter(5_000)]
    public async Task Continuation_AfterFinishedMessage_DeliversThatMessageThenClosesWith1002(ConnectionRole role, CancellationToken cancellationToken)
    {
        using var exchange = ConformanceExchange.Open(role);

        await exchange.SendAsync(cancellationToken, exchange.Frame(0x1, "a"u8.ToArray(), fin: false), exchange.Frame(0x0, "b"u8.ToArray()));
        await exchange.WaitForMessagesAsync(1, cancellationToken);
        await exchange.SendAsync(cancellationToken, exchange.Frame(0x0, "c"u8.ToArray()));
        var (before, close) = await exchange.ReadUntilCloseAsync(cancellationToken);
        await exchange.Peer.CompleteAsync();

        Assert.That(close?.Code, Is.EqualTo(CloseCode.ProtocolError));
        Assert.That(before, Is.Empty);
        Assert.That(exchange.Incoming.Values.Select(m => m.GetText()), Is.EqualTo(new[] { "ab" }));
    }

    [TestCaseSource(nameof(s_dataOpcodes)), CancelAfter(5_000)]
    public async Task NewDataFrame_InsideFragmentedMessage_ClosesWith1002(ConnectionRole role, int opcode, CancellationToken cancellationToken)
    {
        using var exchange = ConformanceExchange.Open(role);

        await exchange.SendAsync(cancellationToken, exchange.Frame(0x1, "a"u8.ToArray(), fin: false), exchange.Frame(opcode, "b"u8.ToArray()));

        await exchange.ExpectFailureAsync(CloseCode.ProtocolError, cancellationToken);
    }

    [TestCaseSource(nameof(s_roles)), CancelAfter(5_000)]
    public async Task NewDataFrame_AfterInterleavedPing_StillClosesWith1002(ConnectionRole role, CancellationToken cancellationToken)
    {
        using var exchange = ConformanceExchange.Open(role);

        await exchange.SendAsync(cancellationToken, exchange.Frame(0x2, [1], fin: false), exchange.Frame(0x9, []));
        await exchange.Peer.ExpectFrameAsync(Opcode.Pong, cancellationToken);

        await exchange.SendAsync(cancellationToken, exchange.Frame(0x2, [2]));

        await exchange.ExpectFailureAsync(CloseCode.ProtocolError, cancellationToken);
    }
}
