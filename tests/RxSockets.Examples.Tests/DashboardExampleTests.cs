using System.Globalization;
using RxSockets.Dashboard;
using RxSockets.Interop.Tests.Browser;

namespace RxSockets.Examples.Tests;

/// <summary>The live dashboard in a real browser: headless Chromium (Debian <c>chromium</c>) opens the page served by
/// the ASP.NET Core app, its <c>rxsockets.js</c> client (served by the app from the RxSockets assembly) subscribes to
/// the samples over the messaging protocol, and the page's charts and latest values update. The plain-WebSocket
/// <c>/metrics</c> endpoint serves any other client.</summary>
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
        var pointsFirst = await page.EvaluateAsync<string>("document.getElementById('chart-heap').dataset.points", cancellationToken);
        var third = await page.WaitForConsoleLineAsync(line => line.StartsWith("update 3 ", StringComparison.Ordinal), cancellationToken);
        var pointsThird = await page.EvaluateAsync<string>("document.getElementById('chart-heap').dataset.points", cancellationToken);
        var charts = await page.EvaluateAsync<int>("document.querySelectorAll('canvas[data-points]').length", cancellationToken);
        var status = await page.EvaluateAsync<string>("document.getElementById('status').textContent", cancellationToken);
        var clients = await page.EvaluateAsync<string>("document.getElementById('clients').textContent", cancellationToken);
        var sample = await page.EvaluateAsync<string>("document.getElementById('sample').textContent", cancellationToken);
        var heap = await page.EvaluateAsync<string>("document.getElementById('heap').textContent", cancellationToken);

        Assert.That(status, Is.EqualTo("live"));
        Assert.That(clients, Is.EqualTo("1"));
        Assert.That(SampleOf(third), Is.GreaterThan(SampleOf(first)), "the samples keep coming");
        Assert.That(long.Parse(sample, CultureInfo.InvariantCulture), Is.GreaterThanOrEqualTo(SampleOf(third)), "the page shows the newest sample");
        Assert.That(double.Parse(heap, CultureInfo.InvariantCulture), Is.Positive);
        Assert.That(charts, Is.EqualTo(4), "one chart per series, each drawn");
        Assert.That(int.Parse(pointsThird, CultureInfo.InvariantCulture), Is.GreaterThan(int.Parse(pointsFirst, CultureInfo.InvariantCulture)), "the charts grow");
    }

    [Test, CancelAfter(30_000)]
    public async Task Dashboard_ServesTheBrowserModule_FromTheRxSocketsAssembly(CancellationToken cancellationToken)
    {
        await using var app = await DashboardApp.StartAsync(port: 0, TimeSpan.FromSeconds(10), cancellationToken: cancellationToken);
        using var http = new HttpClient();

        using var response = await http.GetAsync(new Uri(app.Url, BrowserClient.FileName), cancellationToken);
        var body = await response.Content.ReadAsByteArrayAsync(cancellationToken);
        var page = await http.GetStringAsync(app.Url, cancellationToken);

        Assert.That(response.Content.Headers.ContentType?.MediaType, Is.EqualTo(BrowserClient.ContentType));
        Assert.That(body, Is.EqualTo(BrowserClient.GetScript()));
        Assert.That(page, Does.Contain("import { connect } from \"/rxsockets.js\";").And.Not.Contain("https://"), "nothing from a CDN");
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

    [Test, CancelAfter(30_000)]
    public async Task Dashboard_PrometheusEndpoint_ExposesTheSdksMetricsInTheTextFormat(CancellationToken cancellationToken)
    {
        await using var app = await DashboardApp.StartAsync(port: 0, TimeSpan.FromMilliseconds(50), cancellationToken: cancellationToken);
        var port = app.Url.Port.ToString(CultureInfo.InvariantCulture);
        await using (var client = await WebSocketConnection.ConnectAsync(new Uri(WebSocketUrl.FromHttp(app.Url), "metrics"), cancellationToken: cancellationToken))
        {
            await foreach (var message in client.ReadAllAsync(cancellationToken))
            {
                break;   // one sample: the connection is open and has carried a message
            }
        }

        using var http = new HttpClient();
        using var response = await http.GetAsync(new Uri(app.Url, DashboardApp.PrometheusPath), cancellationToken);
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        var lines = text.Split('\n');

        Assert.That(response.Content.Headers.ContentType?.ToString(), Does.StartWith("text/plain; version=0.0.4"));
        Assert.That(lines, Does.Contain("# TYPE rxsockets_connections_opened_total counter"));
        Assert.That(lines, Does.Contain($"rxsockets_connections_opened_total{{rxsockets_role=\"server\",server_port=\"{port}\"}} 1"));
        Assert.That(lines, Does.Contain("# TYPE rxsockets_messages_sent_total counter"));
        Assert.That(lines.Any(l => l.StartsWith($"rxsockets_messages_sent_total{{rxsockets_role=\"server\",server_port=\"{port}\"}} ", StringComparison.Ordinal)), Is.True);
        Assert.That(lines, Does.Contain("# TYPE rxsockets_queue_messages gauge"), "the queue depths, read at the scrape");
        Assert.That(lines, Does.Contain("rxsockets_queue_messages{rxsockets_direction=\"inbound\",rxsockets_role=\"server\"} 0"));
        Assert.That(lines, Does.Contain("# TYPE rxsockets_connection_duration_seconds histogram"));
        Assert.That(lines.Any(l => l.StartsWith($"rxsockets_connection_duration_seconds_bucket{{rxsockets_role=\"client\",server_port=\"{port}\",le=\"+Inf\"}} ", StringComparison.Ordinal)), Is.True,
            "the test's own client connection has ended: its lifetime is in the histogram");
    }

    private static long SampleOf(string consoleLine) => long.Parse(consoleLine.Split(' ')[^1], CultureInfo.InvariantCulture);
}
