using System.Reactive.Linq;
using System.Reactive.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using RxSockets.Hosting.Tests.Support;

namespace RxSockets.Hosting.Tests;

/// <summary>The worker of the README's "Dependency injection" section, run as written: a named client started by the
/// host relays an upstream feed into a topic of the hosted server, whose connection handler joins every client to it.</summary>
public class ReadmeExampleTests
{
    [Test, CancelAfter(20_000)]
    public async Task PriceRelay_UpstreamTick_ReachesASubscriberOfTheHostedServer(CancellationToken cancellationToken)
    {
        // The upstream feed: a plain server that broadcasts ticks.
        await using var upstream = await WebSocketServer.StartAsync(new WebSocketServerOptions { Port = 0 }, cancellationToken);
        using var worker = TestHost.Build($$"""
            { "RxSockets": {
                "Server": { "Host": "127.0.0.1", "Port": 0, "Path": "/prices" },
                "Clients": { "feed": { "Url": "{{upstream.Url}}", "Start": true } } } }
            """, builder =>
        {
            builder.Services.AddRxSocketsClient("feed");
            builder.Services.AddRxSocketsServer()
                .HandleConnections(async (connection, services, ct) =>
                {
                    services.GetRequiredService<WebSocketServer>().Topic("prices").Join(connection);
                    await foreach (var _ in connection.ReadAllAsync(ct))
                    {
                    }
                });
            builder.Services.AddHostedService<PriceRelay>();
        });

        await worker.StartAsync(cancellationToken);
        var server = worker.Services.GetRequiredService<WebSocketServer>();
        await using var subscriber = await WebSocketConnection.ConnectAsync(server.Url, cancellationToken: cancellationToken);
        var tick = subscriber.Incoming.FirstAsync().ToTask(cancellationToken);
        // The tick leaves once both ends are in place: the worker's client connected upstream, the subscriber joined.
        await Until.TrueAsync(() => upstream.ClientCount == 1 && server.Topic("prices").Count == 1, cancellationToken);
        await upstream.BroadcastAsync(Message.Text("AAPL 187.4"), cancellationToken: cancellationToken);

        Assert.That((await tick).GetText(), Is.EqualTo("AAPL 187.4"));
        await worker.StopAsync(cancellationToken);
        Assert.That(subscriber.CloseStatus?.Code, Is.EqualTo(CloseCode.GoingAway));
    }

    /// <summary>As in the README.</summary>
    private sealed class PriceRelay([FromKeyedServices("feed")] WebSocketClient feed, WebSocketServer server) : BackgroundService
    {
        protected override async Task ExecuteAsync(CancellationToken stoppingToken)
        {
            await foreach (var tick in feed.ReadAllAsync(stoppingToken))
            {
                await server.Topic("prices").PublishAsync(tick, cancellationToken: stoppingToken);
            }
        }
    }
}
