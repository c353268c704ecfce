using RxSockets.Protocol;
using RxSockets.Protocol.Frames;

namespace RxSockets.Tests.Conformance;

/// <summary>RFC 6455 §5.2 base framing, received by our server and our client from a raw peer.</summary>
public class Rfc6455_5_2_FramingTests
{
    private static readonly IEnumerable<TestCaseData> s_lengths = ConformanceExchange.ForBothRoles(
        new[] { 0, 1, 125, 126, 127, 65535, 65536, 100_000 }.Select(length => new object[] { length }));

    // Each length in the 7-bit form, the 16-bit form and the 64-bit form, where it fits.
    private static readonly IEnumerable<TestCaseData> s_wideEncodings = ConformanceExchange.ForBothRoles(
    [
        [0, 2], [5, 2], [125, 2], [0, 8], [5, 8], [125, 8], [126, 8], [65535, 8],
    ]);

    private static readonly IEnumerable<TestCaseData> s_rsv = ConformanceExchange.ForBothRoles(
        from rsv in new[] { 4, 2, 1, 7 }
        from opcode in new[] { 0x1, 0x2, 0x9, 0xA, 0x8 }
        select new object[] { rsv, opcode });

    private static readonly IEnumerable<TestCaseData> s_reservedOpcodes = ConformanceExchange.ForBothRoles(
        new[] { 3, 4, 5, 6, 7, 0xB, 0xC, 0xD, 0xE, 0xF }.Select(opcode => new object[] { opcode }));

    private static readonly IEnumerable<TestCaseData> s_sentLengths = ConformanceExchange.ForBothRoles(
        new[] { (0, 0), (125, 0), (126, 2), (65535, 2), (65536, 8) }.Select(c => new object[] { c.Item1, c.Item2 }));

    private static readonly IEnumerable<TestCaseData> s_roles = ConformanceExchange.ForBothRoles([[]]);

    [TestCaseSource(nameof(s_lengths)), CancelAfter(5_000)]
    public async Task PayloadLength_MinimalEncoding_DeliversPayloadIntact(ConnectionRole role, int length, CancellationToken cancellationToken)
    {
        using var exchange = ConformanceExchange.Open(role);
        var payload = Enumerable.Range(0, length).Select(i => (byte)(i * 7)).ToArray();

        await exchange.SendAsync(cancellationToken, exchange.Frame(0x2, payload));
        await exchange.WaitForMessagesAsync(1, cancellationToken);
        var (messages, before) = await exchange.CloseCleanlyAsync(cancellationToken);

        Assert.That(messages, Has.Count.EqualTo(1));
        Assert.That(messages[0].Type, Is.EqualTo(MessageType.Binary));
        Assert.That(messages[0].Data.ToArray(), Is.EqualTo(payload));
        Assert.That(before, Is.Empty);
    }

    // §5.2 puts "the minimal number of bytes MUST be used" on the sender; like ws and websockets we accept a wider
    // encoding rather than fail a peer whose only fault is a longer header.
    [TestCaseSource(nameof(s_wideEncodings)), CancelAfter(5_000)]
    public async Task PayloadLength_WiderThanMinimalEncoding_IsAccepted(ConnectionRole role, int length, int lengthBytes, CancellationToken cancellationToken)
    {
        using var exchange = ConformanceExchange.Open(role);
        var payload = Enumerable.Repeat((byte)'a', length).ToArray();

        await exchange.SendAsync(cancellationToken, exchange.Frame(0x1, payload, lengthBytes: lengthBytes));
        await exchange.WaitForMessagesAsync(1, cancellationToken);
        var (messages, _) = await exchange.CloseCleanlyAsync(cancellationToken);

        Assert.That(messages.Select(m => m.GetText()), Is.EqualTo(new[] { new string('a', length) }));
    }

    [TestCaseSource(nameof(s_sentLengths)), CancelAfter(5_000)]
    public async Task SendAsync_PayloadLength_UsesMinimalEncoding(ConnectionRole role, int length, int extensionBytes, CancellationToken cancellationToken)
    {
        using var exchange = ConformanceExchange.Open(role);

        await exchange.Connection.SendAsync(Message.Binary(new byte[length]), cancellationToken);
        var frame = await exchange.Peer.ExpectFrameAsync(Opcode.Binary, cancellationToken);

        var maskBytes = role == ConnectionRole.Client ? 4 : 0;
        Assert.That(frame.Header.HeaderLength, Is.EqualTo(2 + extensionBytes + maskBytes));
        Assert.That(frame.Header.Masked, Is.EqualTo(role == ConnectionRole.Client));
        Assert.That(frame.Payload, Has.Length.EqualTo(length));
    }

    [TestCaseSource(nameof(s_roles)), CancelAfter(5_000)]
    public async Task PayloadLength_64BitWithMostSignificantBitSet_ClosesWith1002AtTheHeader(ConnectionRole role, CancellationToken cancellationToken)
    {
        using var exchange = ConformanceExchange.Open(role);

        await exchange.SendAsync(cancellationToken, WireFrame.Header(role, 0x2, 0x8000_0000_0000_0005));

        await exchange.ExpectFailureAsync(CloseCode.ProtocolError, cancellationToken);
    }

    [TestCaseSource(nameof(s_rsv)), CancelAfter(5_000)]
    public async Task ReservedBits_SetWithoutExtension_CloseWith1002(ConnectionRole role, int rsv, int opcode, CancellationToken cancellationToken)
    {
        using var exchange = ConformanceExchange.Open(role);
        var payload = opcode == 0x8 ? WireFrame.CloseBody(1000, []) : "abc"u8.ToArray();

        await exchange.SendAsync(cancellationToken, exchange.Frame(opcode, payload, rsv: rsv));

        await exchange.ExpectFailureAsync(CloseCode.ProtocolError, cancellationToken);
    }

    // RFC 7692 §6: RSV1 means "compressed" only on a connection that negotiated permessage-deflate.
    [TestCaseSource(nameof(s_roles)), CancelAfter(5_000)]
    public async Task Rsv1_OnContinuationOfConnectionWithoutCompression_ClosesWith1002(ConnectionRole role, CancellationToken cancellationToken)
    {
        using var exchange = ConformanceExchange.Open(role);

        await exchange.SendAsync(cancellationToken, exchange.Frame(0x1, "ab"u8.ToArray(), fin: false), exchange.Frame(0x0, "cd"u8.ToArray(), rsv: 4));

        await exchange.ExpectFailureAsync(CloseCode.ProtocolError, cancellationToken);
    }

    [TestCaseSource(nameof(s_reservedOpcodes)), CancelAfter(5_000)]
    public async Task Opcode_Reserved_ClosesWith1002(ConnectionRole role, int opcode, CancellationToken cancellationToken)
    {
        using var exchange = ConformanceExchange.Open(role);

        await exchange.SendAsync(cancellationToken, exchange.Frame(opcode, [1, 2, 3]));

        await exchange.ExpectFailureAsync(CloseCode.ProtocolError, cancellationToken);
    }

    [TestCaseSource(nameof(s_reservedOpcodes)), CancelAfter(5_000)]
    public async Task Opcode_ReservedAfterValidMessage_DeliversTheMessageThenClosesWith1002(ConnectionRole role, int opcode, CancellationToken cancellationToken)
    {
        using var exchange = ConformanceExchange.Open(role);

        await exchange.SendAsync(cancellationToken, exchange.Frame(0x1, "ok"u8.ToArray()));
        await exchange.WaitForMessagesAsync(1, cancellationToken);
        await exchange.SendAsync(cancellationToken, exchange.Frame(opcode, []));
        var (before, close) = await exchange.ReadUntilCloseAsync(cancellationToken);
        await exchange.Peer.CompleteAsync();

        Assert.That(close?.Code, Is.EqualTo(CloseCode.ProtocolError));
        Assert.That(before, Is.Empty);
        Assert.That(exchange.Incoming.Values.Select(m => m.GetText()), Is.EqualTo(new[] { "ok" }));
    }
}
