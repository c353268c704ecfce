using System.Globalization;
using RxSockets.Cli.Tests.Support;

namespace RxSockets.Cli.Tests;

/// <summary><c>serve --count N --rate R --resume</c> and <c>connect --resume</c> as processes, through a scripted
/// fault-injecting proxy: the count arrives exactly once and in order, and the session's end (normal or failed)
/// reaches the client even when its close is lost.</summary>
public class CounterResumeFaultTests
{
    private static readonly string[] s_clientFlags =
        ["--resume", "--reconnect-delay", "20ms", "--max-reconnect-attempts", "20", "--keepalive-interval", "200ms", "--keepalive-timeout", "400ms"];

    [Test, CancelAfter(90_000)]
    public async Task CountWithResume_ThroughResetsStallTruncationAndALostClose_EveryMessageOnceInOrderThenExitsZero(CancellationToken cancellationToken)
    {
        const int count = 20_000;
        var (serve, url) = await CliServe.StartAsync(cancellationToken, "--count", $"{count}", "--rate", "2000", "--resume");
        await using var _ = serve;
        await using var proxy = new FaultProxy(url,
            (ProxyFault.Reset, 30_000), (ProxyFault.Stall, 30_000), (ProxyFault.Truncate, 30_000), (ProxyFault.CutClose, 0));
        await using var connect = CliProcess.Start(["connect", proxy.Rewrite(url).ToString(), .. s_clientFlags]);

        var lines = new List<string>();
        while (lines.Count < count && await connect.ReadLineAsync(cancellationToken) is { } line)
        {
            lines.Add(line);
        }

        var exitCode = await connect.WaitForExitAsync(cancellationToken);
        var completed = await serve.WaitForErrorLineAsync("session ", cancellationToken);
        while (!completed.Contains("completed", StringComparison.Ordinal) && !completed.Contains("ended", StringComparison.Ordinal)
            && !completed.Contains("failed", StringComparison.Ordinal))
        {
            completed = await serve.WaitForErrorLineAsync("session ", cancellationToken);
        }

        Assert.That(lines, Is.EqualTo(Numbers(1, count)), connect.Stderr);
        Assert.That(proxy.Fired, Is.EqualTo(4), "every planned fault fired");
        Assert.That(connect.Stderr, Does.Contain("(session resumed)"));
        Assert.That(connect.Stderr, Does.Not.Contain("fresh session"));
        Assert.That(connect.Stderr, Does.Contain("closed 1000"));
        Assert.That(completed, Does.Contain("completed after"), serve.Stderr);
        Assert.That(exitCode, Is.Zero, connect.Stderr);
    }

    [Test, CancelAfter(60_000)]
    public async Task CountWithResume_HandlerFails_SessionEndsWith1011AndConnectExitsOneWithTheReason(CancellationToken cancellationToken)
    {
        var (serve, url) = await CliServe.StartWithAsync([new("RXSOCKETS_COUNTER_FAIL_AFTER", "100")], cancellationToken,
            "--count", "1000", "--rate", "2000", "--resume");
        await using var _ = serve;
        await using var connect = CliProcess.Start(["connect", url.ToString(), .. s_clientFlags]);

        var exitCode = await connect.WaitForExitAsync(cancellationToken);
        var lines = connect.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);

        Assert.That(exitCode, Is.EqualTo(1), connect.Stderr);
        Assert.That(connect.Stderr, Does.Contain("1011 session handler failed: injected failure after message 100"));
        Assert.That(connect.Stderr, Does.Match("error: The server ended the resumable session [0-9a-f]+ with 1011"));
        Assert.That(lines, Is.EqualTo(Numbers(1, lines.Length)), "a prefix of the count, in order");
        Assert.That(lines, Has.Length.LessThanOrEqualTo(100));
        Assert.That(serve.Stderr, Does.Contain("failed: injected failure after message 100"));
    }

    [Test, CancelAfter(60_000)]
    public async Task CountWithResume_HandlerFailsAndItsCloseIsLost_ComingBackIsToldAndConnectExitsOne(CancellationToken cancellationToken)
    {
        var (serve, url) = await CliServe.StartWithAsync([new("RXSOCKETS_COUNTER_FAIL_AFTER", "100")], cancellationToken,
            "--count", "1000", "--resume");
        await using var _ = serve;
        await using var proxy = new FaultProxy(url, (ProxyFault.CutClose, 0));
        await using var connect = CliProcess.Start(["connect", proxy.Rewrite(url).ToString(), .. s_clientFlags]);

        var exitCode = await connect.WaitForExitAsync(cancellationToken);

        Assert.That(proxy.Fired, Is.EqualTo(1));
        Assert.That(connect.Stderr, Does.Contain("reconnect"));
        Assert.That(connect.Stderr, Does.Contain("with 1011 session handler failed"));
        Assert.That(exitCode, Is.EqualTo(1), connect.Stderr);
    }

    [TestCase(2000, 0, 1)]
    [TestCase(2000, 4_000, 1)]
    [TestCase(2000, 6_000, 2)]
    [TestCase(2000, 10_000_000, 2001)]
    [TestCase(1_000_000, 10_000, 1001)]
    [TestCase(1_000_000, 10_000_000_000, 20_000)]
    public void Due_AfterElapsedTicks_IsOnePlusWhatTheRateAllowsCappedAtTheCount(double rate, long elapsedTicks, long expected)
    {
        var due = CounterPace.Due(TimeSpan.FromTicks(elapsedTicks), rate, 20_000);

        Assert.That(due, Is.EqualTo(expected));
    }

    [TestCase(1, 10_000_000)]
    [TestCase(100, 100_000)]
    [TestCase(2000, 10_000)]
    [TestCase(1_000_000, 10_000)]
    public void Tick_ForRate_IsOneMessagesTimeButAtLeastOneMillisecond(double rate, long expectedTicks)
    {
        Assert.That(CounterPace.Tick(rate), Is.EqualTo(TimeSpan.FromTicks(expectedTicks)));
    }

    private static string[] Numbers(int from, int to) =>
        [.. Enumerable.Range(from, to - from + 1).Select(i => i.ToString(CultureInfo.InvariantCulture))];
}
