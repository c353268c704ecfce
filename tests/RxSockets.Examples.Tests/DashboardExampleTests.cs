using System.Globalization;
using RxSockets.Dashboard;
using RxSockets.Interop.Tests.Browser;

namespace RxSockets.Examples.Tests;

/// <summary>The live dashboard in a real browser: headless Chromium (Debian <c>chromium</c>) opens the page served by
/// the ASP.NET Core app, its own WebSocket receives the pushed samples, and the page's values update.</summary>
public class DashboardExampleTests
{
    [Test, CancelAfter(60_000)]
    public async Task Dashboard_OpenedInChromium_ShowsValuesThatKeepUpdating(CancellationToken cancellationToken)
    {
        Assume.That(File.Exists(HeadlessBrowser.DefaultExecutable), Is.True, ".ci/install-peers installs chromium");
        await using var app = await DashboardApp.StartAsync(port: 0, TimeSpan.FromMilliseconds(100), cancellationToken: cancellationToken);
        await using var browser = await HeadlessBrowser.LaunchAsync(null, cancellationToken);
        var page = await browser.OpenPageAsync(cancellationToken);

        await page.NavigateAsync(app.Url, cancellationToken);
        var first = await page.WaitForConsoleLineAsync(line => line.StartsWith("update 1 ", StringComparison.Ordinal), cancellationToken);
        var third = await page.WaitForConsoleLineAsync(line => line.StartsWith("update 3 ", StringComparison.Ordinal), cancellationToken);
        var status = await page.EvaluateAsync<string>("document.getElementById('status').textContent", cancellationToken);
        var clients = await page.EvaluateAsync<string>("document.getElementById('clients').textContent", cancellationToken);
        var sample = await page.EvaluateAsync<string>("document.getElementById('sample').textContent", cancellationToken);
        var heap = await page.EvaluateAsync<string>("document.getElementById('heap').textContent", cancellationToken);

        Assert.That(status, Is.EqualTo("live"));
        Assert.That(clients, Is.EqualTo("1"));
        Assert.That(SampleOf(third), Is.GreaterThan(SampleOf(first)), "the samples keep coming");
        Assert.That(long.Parse(sample, CultureInfo.InvariantCulture), Is.GreaterThanOrEqualTo(SampleOf(third)), "the page shows the newest sample");
        Assert.That(double.Parse(heap, CultureInfo.InvariantCulture), Is.Positive);
    }

    [Test, CancelAfter(30_000)]
    public async Task Dashboard_MetricsEndpoint_PushesJsonSamplesToAnyWebSocketClient(CancellationToken cancellationToken)
    {
        await using var app = await DashboardApp.StartAsync(port: 0, TimeSpan.FromMilliseconds(50), cancellationToken: cancellationToken);
        await using var client = await WebSocketConnection.ConnectAsync(new Uri(WebSocketUrl.FromHttp(app.Url), "metrics"), cancellationToken: cancellationToken);

        var samples = new List<string>();
        await foreach (var message in client.ReadAllAsync(cancellationToken))
        {
            samples.Add(message.GetText());
            if (samples.Count == 2)
            {
                break;
            }
        }

        Assert.That(samples, Has.All.Contains("\"sample\":").And.All.Contains("\"clients\":1"));
    }

    private static long SampleOf(string consoleLine) => long.Parse(consoleLine.Split(' ')[^1], CultureInfo.InvariantCulture);
}
