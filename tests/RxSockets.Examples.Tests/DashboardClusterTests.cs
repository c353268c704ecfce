using System.Globalization;
using System.Text.Json;
using RxSockets.Dashboard;
using RxSockets.Examples.Tests.Support;
using RxSockets.Redis.Tests.Support;

namespace RxSockets.Examples.Tests;

/// <summary>The live dashboard fed from another node: a real redis-server, a feeder (the dashboard as its own OS process,
/// sampling) and a node that only serves pages (<c>--no-sampler</c>); a WebSocket client of the serving node, as the
/// page's own socket, receives the feeder's samples.</summary>
public class DashboardClusterTests
{
    private static readonly JsonSerializerOptions s_json = new(JsonSerializerDefaults.Web);

    [Test, CancelAfter(60_000)]
    public async Task Dashboard_PagesNodeWithoutSampler_ReceivesTheFeederProcessSamplesOverRedis(CancellationToken cancellationToken)
    {
        await using var redis = await RedisServer.StartAsync(cancellationToken);
        var backplane = $"redis://127.0.0.1:{redis.Port.ToString(CultureInfo.InvariantCulture)}";
        await using var feeder = ExampleProcess.Start("RxSockets.Dashboard.dll",
            "--port", "0", "--interval", "100ms", "--backplane", backplane, "--node-id", "feeder");
        await feeder.WaitForLineAsync("dashboard on http://", cancellationToken);
        await feeder.WaitForLineAsync("node feeder: publishing samples", cancellationToken);
        await using var pages = await DashboardApp.StartAsync(
            new DashboardOptions { Port = 0, Backplane = backplane, NodeId = "pages", Sampler = false }, cancellationToken: cancellationToken);
        await using var page = await WebSocketConnection.ConnectAsync(new Uri(WebSocketUrl.FromHttp(pages.Url), "metrics"), cancellationToken: cancellationToken);

        // Until the feeder counts this page (its presence crosses Redis) and a few samples have come.
        var samples = new List<MetricsSample>();
        await foreach (var message in page.ReadAllAsync(cancellationToken))
        {
            samples.Add(JsonSerializer.Deserialize<MetricsSample>(message.GetText(), s_json)!);
            if (samples.Count >= 3 && samples[^1].Clients == 1)
            {
                break;
            }
        }

        Assert.That(pages.NodeId, Is.EqualTo("pages"));
        Assert.That(samples.Select(sample => sample.Node), Has.All.EqualTo("feeder"), "the serving node takes no samples");
        Assert.That(samples.Select(sample => sample.Sample), Is.Ordered.Ascending.And.Unique, "in order, each once");
        Assert.That(samples[^1].Clients, Is.EqualTo(1), "the feeder counts the page of the other node");
        Assert.That(samples[^1].HeapBytes, Is.Positive);
    }
}
