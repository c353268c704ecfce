using System.Globalization;
using System.Text.Json;
using System.Threading.Channels;
using RxSockets.Dashboard;
using RxSockets.Interop.Tests.Browser;
using RxSockets.Redis.Tests.Support;

namespace RxSockets.Examples.Tests;

/// <summary>
/// The live dashboard's charts in headless Chromium, through a restart of the node serving the page: a real
/// redis-server, a feeder node sampling every 100 ms, and a node that only serves pages (restarted on the same port).
/// The page's <c>rxsockets.js</c> reconnects and subscribes again from its last position; the samples published
/// while its node was down come from the topic's history in Redis, so the page shows every sample number once.
/// In-process history would die with the node (a new epoch: an honest gap), hence Redis.
/// </summary>
public class DashboardRecoveryTests
{
    private const int MissedWhileDown = 5;

    [Test, CancelAfter(120_000)]
    public async Task Dashboard_PagesNodeRestarted_ChartsKeepDrawingAndThePageShowsEverySampleOnce(CancellationToken cancellationToken)
    {
        Assume.That(File.Exists(HeadlessBrowser.DefaultExecutable), Is.True, ".ci/install-peers installs chromium");
        await using var redis = await RedisServer.StartAsync(cancellationToken);
        var backplane = $"redis://127.0.0.1:{redis.Port.ToString(CultureInfo.InvariantCulture)}";
        await using var feeder = await DashboardApp.StartAsync(
            new DashboardOptions { Port = 0, Interval = TimeSpan.FromMilliseconds(100), Backplane = backplane, NodeId = "feeder" }, cancellationToken: cancellationToken);
        var pagesOptions = new DashboardOptions { Port = 0, Backplane = backplane, NodeId = "pages", Sampler = false };
        var pages = await DashboardApp.StartAsync(pagesOptions, cancellationToken: cancellationToken);
        try
        {
            // A plain WebSocket client of the feeder's /metrics sees every sample as it is published.
            await using var observer = await WebSocketConnection.ConnectAsync(new Uri(WebSocketUrl.FromHttp(feeder.Url), "metrics"), cancellationToken: cancellationToken);
            var published = Channel.CreateUnbounded<long>();
            var observing = ObserveAsync(observer, published.Writer, cancellationToken);
            await using var browser = await HeadlessBrowser.LaunchAsync(null, cancellationToken);
            var page = await browser.OpenPageAsync(cancellationToken);
            await page.SetViewportAsync(1200, 720, cancellationToken);
            await page.NavigateAsync(pages.Url, cancellationToken);

            await page.WaitForConsoleLineAsync(line => line.StartsWith("update 3 ", StringComparison.Ordinal), cancellationToken);
            var pointsEarly = await PointsAsync(page, cancellationToken);
            await page.WaitForConsoleLineAsync(line => line.StartsWith("update 6 ", StringComparison.Ordinal), cancellationToken);
            var pointsLater = await PointsAsync(page, cancellationToken);

            // Restart the page's node; the feeder goes on publishing to Redis meanwhile.
            var port = pages.Url.Port;
            await pages.DisposeAsync();
            await page.WaitForConsoleLineAsync(line => line == "state reconnecting", cancellationToken);
            var lastBeforeRestart = await page.EvaluateAsync<long>("dashboard.received.feeder.at(-1)", cancellationToken);
            var missedUpTo = lastBeforeRestart + MissedWhileDown;
            while (await published.Reader.ReadAsync(cancellationToken) < missedUpTo)
            {
            }

            pages = await DashboardApp.StartAsync(pagesOptions with { Port = port }, cancellationToken: cancellationToken);
            var resubscribed = await page.WaitForConsoleLineAsync(line => line.StartsWith("subscribed ", StringComparison.Ordinal), cancellationToken);
            await page.WaitForConsoleLineAsync(line => line.StartsWith("update ", StringComparison.Ordinal) && SampleOf(line) >= missedUpTo + 3, cancellationToken);
            var received = await page.EvaluateAsync<long[]>("dashboard.received.feeder", cancellationToken);
            var gaps = await page.EvaluateAsync<JsonElement>("dashboard.gaps", cancellationToken);
            var status = await page.EvaluateAsync<string>("document.getElementById('status').textContent", cancellationToken);
            var pointsAfter = await PointsAsync(page, cancellationToken);
            await SaveScreenshotAsync(page, cancellationToken);

            Assert.That(pointsLater, Is.GreaterThan(pointsEarly), "the charts draw every sample");
            Assert.That(pointsAfter, Is.GreaterThan(pointsLater));
            Assert.That(received, Is.EqualTo(Enumerable.Range(0, received.Length).Select(i => received[0] + i)),
                "every sample number once, in order, across the restart");
            Assert.That(received, Does.Contain(missedUpTo), "published while the page's node was down");
            Assert.That(RecoveredOf(resubscribed), Is.GreaterThanOrEqualTo(MissedWhileDown), $"from the history in Redis: {resubscribed}");
            Assert.That(gaps.GetArrayLength(), Is.Zero);
            Assert.That(status, Is.EqualTo("live"));
            await observer.CloseAsync(CloseCode.NormalClosure, "done", cancellationToken);
            await observing;
        }
        finally
        {
            await pages.DisposeAsync();
        }
    }

    private static async Task ObserveAsync(WebSocketConnection observer, ChannelWriter<long> published, CancellationToken cancellationToken)
    {
        await foreach (var message in observer.ReadAllAsync(cancellationToken))
        {
            published.TryWrite(JsonSerializer.Deserialize<MetricsSample>(message.GetText(), JsonSerializerOptions.Web)!.Sample);
        }
    }

    /// <summary>The points the heap chart drew last (its canvas's data-points).</summary>
    private static async Task<int> PointsAsync(BrowserPage page, CancellationToken cancellationToken) =>
        int.Parse(await page.EvaluateAsync<string>("document.getElementById('chart-heap').dataset.points", cancellationToken), CultureInfo.InvariantCulture);

    /// <summary>Keeps what the page looked like after the restart: attached to the test result and written under the
    /// test results directory.</summary>
    private static async Task SaveScreenshotAsync(BrowserPage page, CancellationToken cancellationToken)
    {
        var folder = Path.Combine(TestContext.CurrentContext.WorkDirectory, "TestResults");
        Directory.CreateDirectory(folder);
        var path = Path.Combine(folder, "dashboard-after-restart.png");
        await File.WriteAllBytesAsync(path, await page.CaptureScreenshotAsync(cancellationToken), cancellationToken);
        TestContext.AddTestAttachment(path, "The dashboard after its node restarted");
        await TestContext.Out.WriteLineAsync($"screenshot: {path}");
    }

    private static long SampleOf(string consoleLine) => long.Parse(consoleLine.Split(' ')[^1], CultureInfo.InvariantCulture);

    private static long RecoveredOf(string subscribedLine) => long.Parse(subscribedLine.Split(' ')[^1], CultureInfo.InvariantCulture);
}
