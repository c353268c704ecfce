using System.Text;
using RxSockets.Protocol;
using RxSockets.Protocol.Frames;

namespace RxSockets.Tests.Conformance;

/// <summary>RFC 6455 §5.5.1 and §7.4 close frames from a raw peer: codes, bodies and reasons, against our server and
/// our client. (An empty body echoed by a server is covered in <c>SessionCloseTests</c>.)</summary>
public class Rfc6455_7_CloseTests
{
    private static readonly int[] s_validCodes =
        [1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014, 3000, 3001, 3999, 4000, 4001, 4998, 4999];

    private static readonly int[] s_invalidCodes =
        [0, 1, 999, 1004, 1005, 1006, 1015, 1016, 1100, 2000, 2999, 5000, 5001, 0x7FFF, 0xFFFF];

    private static readonly IEnumerable<TestCaseData> s_valid = ConformanceExchange.ForBothRoles(s_validCodes.Select(code => new object[] { code }));

    private static readonly IEnumerable<TestCaseData> s_invalid = ConformanceExchange.ForBothRoles(s_invalidCodes.Select(code => new object[] { code }));

    private static readonly IEnumerable<TestCaseData> s_invalidReasons = ConformanceExchange.ForBothRoles(
        new[] { "ff", "c0af", "eda080", "f4908080", "48656c6ce282" }.Select(hex => new object[] { hex }));

    private static readonly IEnumerable<TestCaseData> s_maxReasons = ConformanceExchange.ForBothRoles(
    [
        [new string('r', 123)],
        [string.Concat(Enumerable.Repeat("é", 61)) + "x"],   // 2-byte characters up to exactly 123 bytes
        [string.Concat(Enumerable.Repeat("😀", 30)) + "abc"],   // 4-byte characters up to exactly 123 bytes
    ], c => $"{Encoding.UTF8.GetByteCount((string)c[0])} bytes");

    private static readonly IEnumerable<TestCaseData> s_roles = ConformanceExchange.ForBothRoles([[]]);

    [TestCaseSource(nameof(s_valid)), CancelAfter(5_000)]
    public async Task Close_ValidCode_IsEchoedAndRecorded(ConnectionRole role, int code, CancellationToken cancellationToken)
    {
        using var exchange = ConformanceExchange.Open(role);

        await exchange.SendAsync(cancellationToken, exchange.Frame(0x8, WireFrame.CloseBody(code, "why"u8.ToArray())));
        var (before, echo) = await exchange.ReadUntilCloseAsync(cancellationToken);
        await exchange.Peer.CompleteAsync();
        await exchange.Connection.Completion.WaitAsync(cancellationToken);

        Assert.That(echo?.Code, Is.EqualTo((CloseCode)code));
        Assert.That(before, Is.Empty);
        Assert.That(exchange.Connection.CloseStatus, Is.EqualTo(new CloseStatus((CloseCode)code, "why")));
        Assert.That(await exchange.Incoming.Terminated.WaitAsync(cancellationToken), Is.Null);
        Assert.That(exchange.Incoming.Values, Is.Empty);
    }

    [TestCaseSource(nameof(s_invalid)), CancelAfter(5_000)]
    public async Task Close_InvalidCode_ClosesWith1002(ConnectionRole role, int code, CancellationToken cancellationToken)
    {
        using var exchange = ConformanceExchange.Open(role);

        await exchange.SendAsync(cancellationToken, exchange.Frame(0x8, WireFrame.CloseBody(code, [])));

        await exchange.ExpectFailureAsync(CloseCode.ProtocolError, cancellationToken);
    }

    [TestCaseSource(nameof(s_roles)), CancelAfter(5_000)]
    public async Task Close_OneByteBody_ClosesWith1002(ConnectionRole role, CancellationToken cancellationToken)
    {
        using var exchange = ConformanceExchange.Open(role);

        await exchange.SendAsync(cancellationToken, exchange.Frame(0x8, [0x03]));

        await exchange.ExpectFailureAsync(CloseCode.ProtocolError, cancellationToken);
    }

    [TestCaseSource(nameof(s_invalidReasons)), CancelAfter(5_000)]
    public async Task Close_ReasonNotUtf8_ClosesWith1007(ConnectionRole role, string reasonHex, CancellationToken cancellationToken)
    {
        using var exchange = ConformanceExchange.Open(role);

        await exchange.SendAsync(cancellationToken, exchange.Frame(0x8, WireFrame.CloseBody(1000, Convert.FromHexString(reasonHex))));

        await exchange.ExpectFailureAsync(CloseCode.InvalidPayloadData, cancellationToken);
    }

    [TestCaseSource(nameof(s_maxReasons)), CancelAfter(5_000)]
    public async Task Close_ReasonOfMaximumLength_IsAcceptedWhole(ConnectionRole role, string reason, CancellationToken cancellationToken)
    {
        using var exchange = ConformanceExchange.Open(role);

        await exchange.SendAsync(cancellationToken, exchange.Frame(0x8, WireFrame.CloseBody(4000, Encoding.UTF8.GetBytes(reason))));
        var (_, echo) = await exchange.ReadUntilCloseAsync(cancellationToken);
        await exchange.Peer.CompleteAsync();
        await exchange.Connection.Completion.WaitAsync(cancellationToken);

        Assert.That(echo?.Code, Is.EqualTo((CloseCode)4000));
        Assert.That(exchange.Connection.CloseStatus?.Reason, Is.EqualTo(reason));
    }

    [TestCaseSource(nameof(s_roles)), CancelAfter(5_000)]
    public async Task Close_ReasonOneByteTooLong_ClosesWith1002(ConnectionRole role, CancellationToken cancellationToken)
    {
        using var exchange = ConformanceExchange.Open(role);

        await exchange.SendAsync(cancellationToken, exchange.Frame(0x8, WireFrame.CloseBody(1000, new byte[124])));

        await exchange.ExpectFailureAsync(CloseCode.ProtocolError, cancellationToken);
    }

    [Test, CancelAfter(5_000)]
    public async Task Close_EmptyBodyToClient_IsEchoedEmptyAndRecordedAs1005(CancellationToken cancellationToken)
    {
        using var exchange = ConformanceExchange.Open(ConnectionRole.Client);

        await exchange.SendAsync(cancellationToken, exchange.Frame(0x8, []));
        var echo = await exchange.Peer.ExpectFrameAsync(Opcode.Close, cancellationToken);
        await exchange.Peer.CompleteAsync();
        await exchange.Connection.Completion.WaitAsync(cancellationToken);

        Assert.That(echo.Payload, Is.Empty);
        Assert.That(exchange.Connection.CloseStatus?.Code, Is.EqualTo(CloseCode.NoStatusReceived));
    }

    [TestCaseSource(nameof(s_roles)), CancelAfter(5_000)]
    public async Task Close_AfterMessagesInTheSameWrite_DeliversThemFirst(ConnectionRole role, CancellationToken cancellationToken)
    {
        using var exchange = ConformanceExchange.Open(role);

        await exchange.SendAsync(cancellationToken, exchange.Frame(0x1, "one"u8.ToArray()), exchange.Frame(0x1, "two"u8.ToArray()));
        var (messages, _) = await exchange.CloseCleanlyAsync(cancellationToken);

        Assert.That(messages.Select(m => m.GetText()), Is.EqualTo(new[] { "one", "two" }));
    }

    // §5.5.1: after the close frame the peer sends nothing more; whatever follows is not parsed, delivered or answered.
    [TestCaseSource(nameof(s_roles)), CancelAfter(5_000)]
    public async Task Close_FollowedByMoreFrames_IgnoresThem(ConnectionRole role, CancellationToken cancellationToken)
    {
        using var exchange = ConformanceExchange.Open(role);

        await exchange.SendAsync(cancellationToken,
            exchange.Frame(0x8, WireFrame.CloseBody(1000, [])), exchange.Frame(0x1, "late"u8.ToArray()), exchange.Frame(0x9, []), [0xFF, 0xFF]);
        var (before, echo) = await exchange.ReadUntilCloseAsync(cancellationToken);
        await exchange.Peer.CompleteAsync();
        await exchange.Connection.Completion.WaitAsync(cancellationToken);
        await exchange.Peer.ExpectEndAsync(cancellationToken);

        Assert.That(echo?.Code, Is.EqualTo(CloseCode.NormalClosure));
        Assert.That(before, Is.Empty);
        Assert.That(exchange.Incoming.Values, Is.Empty);
    }
}
