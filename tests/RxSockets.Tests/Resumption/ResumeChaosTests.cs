using RxSockets.Resumption;
using RxSockets.Tests.Support;

namespace RxSockets.Tests.Resumption;

/// <summary>Resumable sessions through a fault-injecting proxy (drops, stalls, truncated writes): a test-side loop
/// plays the reconnecting client, driving <see cref="ResumeLayer"/> in the order the client honours.</summary>
public class ResumeChaosTests
{
    private const int Seed = 20_261_124;

    [Test, CancelAfter(120_000)]
    public async Task Resume_ThroughChaosProxy_EveryMessageArrivesExactlyOnceInOrderBothWays(CancellationToken cancellationToken)
    {
        const int count = 100_000;
        var resume = new ResumeOptions { MaxReplayMessages = 1_000_000, MaxReplayBytes = 256 * 1024 * 1024, AckEvery = 256, AckInterval = TimeSpan.FromMilliseconds(50) };
        var serverOptions = new WebSocketServerOptions { Resume = resume };
        Configure(serverOptions);
        await using var server = await WebSocketServer.StartAsync(serverOptions, cancellationToken);
        await using var proxy = new ChaosProxy(server.LocalEndPoint, Seed, maxFaults: 8, minBytes: 50_000, maxBytes: 250_000);
        var serverSide = new CountingServer(count);
        var serving = serverSide.ServeSessionsAsync(server, cancellationToken);
        var layer = new ResumeLayer(resume, System.Reactive.Concurrency.DefaultScheduler.Instance);
        var driver = new ResumeDriver(proxy.Rewrite(server.Url), layer, () => Configure(new WebSocketClientOptions()));
        var client = new CountingClient(driver, count);

        var attaches = await client.RunAsync(serverSide.ReceivedAll, cancellationToken);
        await server.StopAsync(cancellationToken);
        await serving;
        await TestContext.Out.WriteLineAsync($"seed {Seed}: {attaches.Count} connections, faults {string.Join(", ", proxy.Faults)}");

        Assert.That(client.Failure ?? serverSide.Failure, Is.Null);
        Assert.That(client.Received, Is.EqualTo(count));
        Assert.That(serverSide.Received, Is.EqualTo(count));
        Assert.That(serverSide.Sessions, Is.EqualTo(1));
        Assert.That(attaches[0], Is.False);
        Assert.That(attaches.Skip(1), Is.All.True, "every reconnection resumed the session");
        Assert.That(attaches, Has.Count.GreaterThan(1));
        Assert.That(proxy.Faults, Is.SupersetOf(new[] { ChaosFault.Disconnect, ChaosFault.Stall, ChaosFault.Truncate }));
    }

    [Test, CancelAfter(60_000)]
    public async Task Resume_ServerWithoutResumeThroughChaosProxy_EveryReconnectionIsReportedFresh(CancellationToken cancellationToken)
    {
        const int count = 20_000;
        var serverOptions = new WebSocketServerOptions();
        Configure(serverOptions);
        await using var server = await WebSocketServer.StartAsync(serverOptions, cancellationToken);
        await using var proxy = new ChaosProxy(server.LocalEndPoint, Seed, maxFaults: 4, minBytes: 20_000, maxBytes: 100_000);
        var serving = CountingServer.ServePlainAsync(server, count, cancellationToken);
        var layer = new ResumeLayer(new ResumeOptions(), System.Reactive.Concurrency.DefaultScheduler.Instance);
        var driver = new ResumeDriver(proxy.Rewrite(server.Url), layer, () => Configure(new WebSocketClientOptions()));
        var attaches = new List<bool>();
        var completed = false;

        while (!completed)
        {
            WebSocketConnection connection;
            try
            {
                (connection, var resumed) = await driver.ConnectAsync(cancellationToken);
                attaches.Add(resumed);
            }
            catch (Exception error) when (error is HandshakeException or ConnectionClosedException)
            {
                continue;
            }

            await using (connection)
            {
                try
                {
                    completed = (await driver.ReadAsync(connection, count, cancellationToken)).Count == count;
                }
                catch (ConnectionClosedException)
                {
                    driver.Layer.Detach();
                }
            }
        }

        await server.StopAsync(cancellationToken);
        await serving;

        Assert.That(attaches, Has.Count.GreaterThan(1));
        Assert.That(attaches, Is.All.False, "without resume no reconnection may claim continuity");
    }

    /// <summary>Short heartbeat, handshake timeout and queues for chaos runs (also used by the client twin).</summary>
    internal static T Configure<T>(T options) where T : ConnectionOptions
    {
        // Stalls are only detected by silence: a short heartbeat finds them quickly.
        options.KeepAliveInterval = TimeSpan.FromMilliseconds(200);
        options.KeepAliveTimeout = TimeSpan.FromMilliseconds(400);
        options.HandshakeTimeout = TimeSpan.FromSeconds(2);
        options.SendQueueCapacity = 256;
        options.ReceiveQueueCapacity = 256;
        return options;
    }
}
