using System.Globalization;
using System.Reactive.Linq;
using RxSockets.Tests.Support;

namespace RxSockets.Tests.Resumption;

/// <summary>The twin of <see cref="ResumeChaosTests"/> with the real reconnecting <see cref="WebSocketClient"/>: its
/// Polly-driven reconnects, send queue and single send path around the resume layer, through the same chaos proxy.</summary>
public class WebSocketClientResumeChaosTests
{
    private const int Seed = 20_261_124;

    [Test, CancelAfter(120_000)]
    public async Task WebSocketClient_WithResumeThroughChaosProxy_EveryMessageArrivesExactlyOnceInOrderBothWays(CancellationToken cancellationToken)
    {
        const int count = 100_000;
        var resume = new ResumeOptions { MaxReplayMessages = 1_000_000, MaxReplayBytes = 256 * 1024 * 1024, AckEvery = 256, AckInterval = TimeSpan.FromMilliseconds(50) };
        await using var server = await WebSocketServer.StartAsync(ResumeChaosTests.Configure(new WebSocketServerOptions { Resume = resume }), cancellationToken);
        await using var proxy = new ChaosProxy(server.LocalEndPoint, Seed, maxFaults: 8, minBytes: 50_000, maxBytes: 250_000);
        var serverSide = new CountingServer(count);
        var serving = serverSide.ServeSessionsAsync(server, cancellationToken);
        await using var client = new WebSocketClient(proxy.Rewrite(server.Url), ResumeChaosTests.Configure(new WebSocketClientOptions { Resume = resume }),
            new ReconnectOptions { ReconnectDelay = TimeSpan.FromMilliseconds(10), MaxReconnectDelay = TimeSpan.FromMilliseconds(100) });
        var reconnects = new List<bool>();
        using var watching = client.Events.OfType<ClientReconnected>().Subscribe(e =>
        {
            lock (reconnects)
            {
                reconnects.Add(e.Resumed);
            }
        });

        await client.StartAsync(cancellationToken);
        var sending = Task.Run(async () =>
        {
            for (var i = 1; i <= count; i++)
            {
                await client.SendAsync(i.ToString(CultureInfo.InvariantCulture), cancellationToken);
            }
        }, cancellationToken);
        var received = 0;
        string? outOfOrder = null;
        await foreach (var message in client.ReadAllAsync(cancellationToken))
        {
            var expected = (received + 1).ToString(CultureInfo.InvariantCulture);
            if (message.GetText() != expected)
            {
                outOfOrder = $"client expected {expected}, received '{message.GetText()}'";
                break;
            }

            if (++received == count)
            {
                break;
            }
        }

        await sending;
        await serverSide.ReceivedAll.WaitAsync(cancellationToken);
        await client.StopAsync(cancellationToken);
        await server.StopAsync(cancellationToken);
        await serving;
        await TestContext.Out.WriteLineAsync($"seed {Seed}: {reconnects.Count} reconnects, faults {string.Join(", ", proxy.Faults)}");

        Assert.That(outOfOrder ?? serverSide.Failure, Is.Null);
        Assert.That(received, Is.EqualTo(count));
        Assert.That(serverSide.Received, Is.EqualTo(count));
        Assert.That(serverSide.Sessions, Is.EqualTo(1));
        Assert.That(reconnects, Has.Count.GreaterThan(0));
        Assert.That(reconnects, Is.All.True, "every reconnection resumed the session");
    }
}
