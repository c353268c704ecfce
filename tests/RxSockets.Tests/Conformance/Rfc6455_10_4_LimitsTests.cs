namespace RxSockets.Tests.Conformance;

/// <summary>RFC 6455 §10.4 limits on frame size and message size: a message over <c>MaxMessageSize</c> or in more
/// than <c>MaxFragments</c> frames closes with 1009, decided at the header that breaks the limit (the payload it
/// declares never has to arrive, nor be allocated).</summary>
public class Rfc6455_10_4_LimitsTests
{
    private const int Limit = 1000;

    private static readonly IEnumerable<TestCaseData> s_roles = ConformanceExchange.ForBothRoles([[]]);

    // Declared lengths beyond the limit, in each length encoding, up to the largest the 64-bit form allows.
    private static readonly IEnumerable<TestCaseData> s_overLimit = ConformanceExchange.ForBothRoles(
        new ulong[] { Limit + 1, 65535, 65536, uint.MaxValue, long.MaxValue }.Select(length => new object[] { length }));

    [TestCaseSource(nameof(s_overLimit)), CancelAfter(5_000)]
    public async Task MaxMessageSize_SingleFrameDeclaresMore_ClosesWith1009AtTheHeader(ConnectionRole role, ulong declared, CancellationToken cancellationToken)
    {
        using var exchange = ConformanceExchange.Open(role, o => o.MaxMessageSize = Limit);

        await exchange.SendAsync(cancellationToken, WireFrame.Header(role, 0x2, declared));

        await exchange.ExpectFailureAsync(CloseCode.MessageTooBig, cancellationToken);
    }

    [TestCaseSource(nameof(s_roles)), CancelAfter(5_000)]
    public async Task MaxMessageSize_FragmentsAddUpToMore_ClosesWith1009AtTheHeaderOfTheFragmentThatExceeds(ConnectionRole role, CancellationToken cancellationToken)
    {
        using var exchange = ConformanceExchange.Open(role, o => o.MaxMessageSize = Limit);

        await exchange.SendAsync(cancellationToken,
            exchange.Frame(0x1, new byte[600], fin: false), WireFrame.Header(role, 0x0, Limit - 600 + 1));

        await exchange.ExpectFailureAsync(CloseCode.MessageTooBig, cancellationToken);
    }

    [TestCaseSource(nameof(s_roles)), CancelAfter(5_000)]
    public async Task MaxMessageSize_ExactlyAtLimitInFragments_IsDelivered(ConnectionRole role, CancellationToken cancellationToken)
    {
        using var exchange = ConformanceExchange.Open(role, o => o.MaxMessageSize = Limit);

        await exchange.SendAsync(cancellationToken,
            exchange.Frame(0x2, new byte[600], fin: false), exchange.Frame(0x0, new byte[Limit - 600]));
        await exchange.WaitForMessagesAsync(1, cancellationToken);
        var (messages, _) = await exchange.CloseCleanlyAsync(cancellationToken);

        Assert.That(messages.Single().Data.Length, Is.EqualTo(Limit));
    }

    [TestCaseSource(nameof(s_roles)), CancelAfter(5_000)]
    public async Task MaxMessageSize_ExactlyAtLimitInOneFrame_IsDelivered(ConnectionRole role, CancellationToken cancellationToken)
    {
        using var exchange = ConformanceExchange.Open(role, o => o.MaxMessageSize = Limit);

        await exchange.SendAsync(cancellationToken, exchange.Frame(0x2, new byte[Limit]));
        await exchange.WaitForMessagesAsync(1, cancellationToken);
        var (messages, _) = await exchange.CloseCleanlyAsync(cancellationToken);

        Assert.That(messages.Single().Data.Length, Is.EqualTo(Limit));
    }

    [TestCaseSource(nameof(s_roles)), CancelAfter(5_000)]
    public async Task MaxFragments_OneFragmentMore_ClosesWith1009(ConnectionRole role, CancellationToken cancellationToken)
    {
        using var exchange = ConformanceExchange.Open(role, o => o.MaxFragments = 4);
        var frames = Enumerable.Range(0, 5).Select(i => exchange.Frame(i == 0 ? 0x1 : 0x0, "x"u8.ToArray(), fin: false));

        await exchange.SendAsync(cancellationToken, [.. frames]);

        await exchange.ExpectFailureAsync(CloseCode.MessageTooBig, cancellationToken);
    }

    [TestCaseSource(nameof(s_roles)), CancelAfter(5_000)]
    public async Task MaxFragments_EmptyFragmentsCountToo_ClosesWith1009(ConnectionRole role, CancellationToken cancellationToken)
    {
        using var exchange = ConformanceExchange.Open(role, o => o.MaxFragments = 4);
        var frames = Enumerable.Range(0, 5).Select(i => exchange.Frame(i == 0 ? 0x2 : 0x0, [], fin: i == 4));

        await exchange.SendAsync(cancellationToken, [.. frames]);

        await exchange.ExpectFailureAsync(CloseCode.MessageTooBig, cancellationToken);
    }

    [TestCaseSource(nameof(s_roles)), CancelAfter(5_000)]
    public async Task MaxFragments_ExactlyAtLimit_IsDeliveredAndTheCountRestartsPerMessage(ConnectionRole role, CancellationToken cancellationToken)
    {
        using var exchange = ConformanceExchange.Open(role, o => o.MaxFragments = 4);
        byte[][] Message(string letter) => [.. Enumerable.Range(0, 4).Select(i => exchange.Frame(i == 0 ? 0x1 : 0x0, System.Text.Encoding.ASCII.GetBytes(letter), fin: i == 3))];

        await exchange.SendAsync(cancellationToken, [.. Message("a"), .. Message("b")]);
        await exchange.WaitForMessagesAsync(2, cancellationToken);
        var (messages, _) = await exchange.CloseCleanlyAsync(cancellationToken);

        Assert.That(messages.Select(m => m.GetText()), Is.EqualTo(new[] { "aaaa", "bbbb" }));
    }
}
