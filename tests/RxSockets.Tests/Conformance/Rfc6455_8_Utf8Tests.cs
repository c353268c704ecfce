using System.Buffers;
using System.Text;

namespace RxSockets.Tests.Conformance;

/// <summary>
/// RFC 6455 §8.1 and §5.6: text must be valid UTF-8, or the connection fails with 1007 — as soon as the invalid byte
/// arrives, not when the message ends. Cases in the style of the Autobahn testsuite's section 6, each split at every
/// byte position across two fragments, against our server and our client.
/// </summary>
public class Rfc6455_8_Utf8Tests
{
    private static readonly string[] s_valid =
    [
        "cebae1bdb9cf83cebcceb5",        // κόσμε
        "00", "7f", "c280", "dfbf",    // first and last of each length
        "e0a080", "efbfbf", "f0908080", "f48fbfbf",
        "ed9fbf", "ee8080", "efbfbd",  // around the surrogates, U+FFFD
        "efbfbe", "f09f9880",          // a noncharacter is still valid UTF-8; an emoji
        "48656c6c6f2d c2b5 40 c39f c3b6 c3a4 c3bc c3a0 c3a1 2d 5554462d382121",
    ];

    private static readonly string[] s_invalid =
    [
        "cebae1bdb9cf83cebcceb5eda080656469746564",   // κόσμε, then a surrogate
        "f888808080", "fc8480808080",               // 5- and 6-byte forms
        "f7bfbfbf", "fbbfbfbfbf", "fdbfbfbfbfbf",   // beyond U+10FFFF
        "f4908080",
        "80", "bf", "80bf", "80bf80bf",             // unexpected continuation bytes
        "c020", "e020", "f020",                     // lonely start bytes
        "c0", "e080", "f08080", "df", "efbf", "f7bfbf",   // last continuation byte missing
        "41e282",  "f09f98",                        // truncated at the end of the message
        "fe", "ff", "fefeffff",                     // impossible bytes
        "c0af", "e080af", "f08080af", "c1bf", "e09fbf", "f08fbfbf", "c080", "e08080", "f0808080",   // overlong
        "eda080", "edadbf", "edae80", "edafbf", "edb080", "edbe80", "edbfbf", "eda080edb080",      // surrogates
        "48656c6c6fff",                             // valid ASCII, then an impossible byte
    ];

    private static readonly IEnumerable<TestCaseData> s_validCases = ConformanceExchange.ForBothRoles(s_valid.Select(hex => new object[] { hex }));

    private static readonly IEnumerable<TestCaseData> s_invalidCases = ConformanceExchange.ForBothRoles(s_invalid.Select(hex => new object[] { hex }));

    private static readonly IEnumerable<TestCaseData> s_failFastCases = ConformanceExchange.ForBothRoles(
        s_invalid.Where(hex => FirstDetectableError(Bytes(hex)) is not null).Select(hex => new object[] { hex }));

    [TestCaseSource(nameof(s_validCases)), CancelAfter(10_000)]
    public async Task ValidText_SplitAcrossFragmentsAtEveryPosition_IsDelivered(ConnectionRole role, string hex, CancellationToken cancellationToken)
    {
        var text = Bytes(hex);
        for (var split = 0; split <= text.Length; split++)
        {
            using var exchange = ConformanceExchange.Open(role);

            await exchange.SendAsync(cancellationToken, exchange.Frame(0x1, text[..split], fin: false), exchange.Frame(0x0, text[split..]));
            await exchange.WaitForMessagesAsync(1, cancellationToken);
            var (messages, _) = await exchange.CloseCleanlyAsync(cancellationToken);

            Assert.That(messages.Single().Data.ToArray(), Is.EqualTo(text), $"split at {split}");
        }
    }

    [TestCaseSource(nameof(s_validCases)), CancelAfter(5_000)]
    public async Task ValidText_InOneFrame_IsDelivered(ConnectionRole role, string hex, CancellationToken cancellationToken)
    {
        using var exchange = ConformanceExchange.Open(role);

        await exchange.SendAsync(cancellationToken, exchange.Frame(0x1, Bytes(hex)));
        await exchange.WaitForMessagesAsync(1, cancellationToken);
        var (messages, _) = await exchange.CloseCleanlyAsync(cancellationToken);

        Assert.That(messages.Single().Data.ToArray(), Is.EqualTo(Bytes(hex)));
    }

    [TestCaseSource(nameof(s_invalidCases)), CancelAfter(10_000)]
    public async Task InvalidText_SplitAcrossFragmentsAtEveryPosition_ClosesWith1007AsSoonAsDetectable(ConnectionRole role, string hex, CancellationToken cancellationToken)
    {
        var text = Bytes(hex);
        var detectableAt = FirstDetectableError(text);
        for (var split = 0; split <= text.Length; split++)
        {
            using var exchange = ConformanceExchange.Open(role);

            // When the first fragment already holds the error, the continuation is never sent: the close must not wait for it.
            var failsInFirst = detectableAt <= split;
            await exchange.SendAsync(cancellationToken, exchange.Frame(0x1, text[..split], fin: false));
            if (!failsInFirst)
            {
                await exchange.SendAsync(cancellationToken, exchange.Frame(0x0, text[split..]));
            }

            await exchange.ExpectFailureAsync(CloseCode.InvalidPayloadData, cancellationToken);
        }
    }

    [TestCaseSource(nameof(s_failFastCases)), CancelAfter(5_000)]
    public async Task InvalidText_PartOfAFrameUpToTheBadByte_ClosesWith1007BeforeTheRestArrives(ConnectionRole role, string hex, CancellationToken cancellationToken)
    {
        using var exchange = ConformanceExchange.Open(role);
        var text = Bytes(hex);
        var detectableAt = FirstDetectableError(text)!.Value;   // the case source keeps only detectable ones
        var padded = (byte[])[.. "padding"u8, .. text, .. new byte[100]];

        await exchange.SendAsync(cancellationToken, WireFrame.Prefix(role, 0x1, padded, "padding".Length + detectableAt));

        await exchange.ExpectFailureAsync(CloseCode.InvalidPayloadData, cancellationToken);
    }

    [TestCaseSource(nameof(s_invalidCases)), CancelAfter(5_000)]
    public async Task InvalidText_AsBinary_IsDeliveredUnchecked(ConnectionRole role, string hex, CancellationToken cancellationToken)
    {
        using var exchange = ConformanceExchange.Open(role);

        await exchange.SendAsync(cancellationToken, exchange.Frame(0x2, Bytes(hex)));
        await exchange.WaitForMessagesAsync(1, cancellationToken);
        var (messages, _) = await exchange.CloseCleanlyAsync(cancellationToken);

        Assert.That(messages.Single().Data.ToArray(), Is.EqualTo(Bytes(hex)));
    }

    private static byte[] Bytes(string hex) => Convert.FromHexString(hex.Replace(" ", "", StringComparison.Ordinal));

    /// <summary>The length of the shortest prefix that no valid UTF-8 text starts with, by the BCL's decoder (our
    /// oracle); null when every prefix could still be completed (only the end of the message shows the error).</summary>
    private static int? FirstDetectableError(byte[] text)
    {
        for (var length = 1; length <= text.Length; length++)
        {
            var rest = text.AsSpan(0, length);
            while (!rest.IsEmpty)
            {
                var status = Rune.DecodeFromUtf8(rest, out _, out var consumed);
                if (status == OperationStatus.InvalidData)
                {
                    return length;
                }

                if (status == OperationStatus.NeedMoreData)
                {
                    break;
                }

                rest = rest[consumed..];
            }
        }

        return null;
    }
}
