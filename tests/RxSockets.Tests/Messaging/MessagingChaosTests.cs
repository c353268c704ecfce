using System.Globalization;
using System.Reactive.Linq;
using RxSockets.Tests.Resumption;
using RxSockets.Tests.Support;

namespace RxSockets.Tests.Messaging;

/// <summary>The messaging protocol through the in-repo chaos proxy (resets, stalls, truncated writes between the
/// reconnecting clients and the server): 100,000 publications reach every subscriber exactly once and in order, and a
/// publisher's every publish completes once — acknowledged publications are in the topic once, at their position.</summary>
public class MessagingChaosTests
{
    private const int Seed = 20_261_206;
    private const int Count = 100_000;

    private static WebSocketClient Client(ChaosProxy proxy, WebSocketServer server) =>
        new(proxy.Rewrite(server.Url), ResumeChaosTests.Configure(new WebSocketClientOptions { Messaging = new MessagingClientOptions() }),
            new ReconnectOptions { ReconnectDelay = TimeSpan.FromMilliseconds(10), MaxReconnectDelay = TimeSpan.FromMilliseconds(100) });

    [Test, CancelAfter(240_000)]
    public async Task Subscribers_ThroughChaosProxy_See100000PublicationsEachExactlyOnceInOrder(CancellationToken cancellationToken)
    {
        var options = ResumeChaosTests.Configure(new WebSocketServerOptions
        {
            Messaging = new MessagingServerOptions(),
            ConfigureTopic = _ => new TopicOptions { HistorySize = Count },
        });
        await using var server = await WebSocketServer.StartAsync(options, cancellationToken);
        await using var proxy = new ChaosProxy(server.LocalEndPoint, Seed, maxFaults: 8, minBytes: 50_000, maxBytes: 250_000);
        await using var first = Client(proxy, server);
        await using var second = Client(proxy, server);
        var gaps = new List<ClientTopicGap>();
        var reconnects = 0;
        var reads = new List<Task<(int Received, string? Problem)>>();
        foreach (var client in new[] { first, second })
        {
            client.Events.OfType<ClientTopicGap>().Subscribe(gap => { lock (gaps) { gaps.Add(gap); } });
            client.Events.OfType<ClientReconnected>().Subscribe(_ => Interlocked.Increment(ref reconnects));
            await client.StartAsync(cancellationToken);
            reads.Add(ReadAsync(client.Topic("feed"), cancellationToken));
        }

        var feed = server.Topic("feed");
        await Until.TrueAsync(() => feed.Count == 2, cancellationToken);   // both subscribed: every publication is theirs
        for (var i = 1; i <= Count; i++)
        {
            await feed.PublishAsync(i.ToString(CultureInfo.InvariantCulture), cancellationToken: cancellationToken);
        }

        var results = await Task.WhenAll(reads);
        await TestContext.Out.WriteLineAsync($"seed {Seed}: {reconnects} reconnects, faults {string.Join(", ", proxy.Faults)}");

        Assert.That(results.Select(r => r.Problem), Is.All.Null);
        Assert.That(results.Select(r => r.Received), Is.All.EqualTo(Count), "lost: 0, duplicated: 0, out of order: 0");
        Assert.That(gaps, Is.Empty, "the history covers every reconnect: no gap");
        Assert.That(reconnects, Is.GreaterThan(0));
        Assert.That(proxy.Faults, Is.SupersetOf(new[] { ChaosFault.Disconnect, ChaosFault.Stall, ChaosFault.Truncate }));
    }

    [Test, CancelAfter(240_000)]
    public async Task Publisher_ThroughChaosProxy_EveryPublishCompletesOnce_AcknowledgedOnesAreInTheTopicOnceAtTheirPosition(CancellationToken cancellationToken)
    {
        var options = ResumeChaosTests.Configure(new WebSocketServerOptions
        {
            Messaging = new MessagingServerOptions(),
            ConfigureTopic = _ => new TopicOptions { HistorySize = 10 },
        });
        await using var server = await WebSocketServer.StartAsync(options, cancellationToken);
        await using var proxy = new ChaosProxy(server.LocalEndPoint, Seed + 1, maxFaults: 8, minBytes: 50_000, maxBytes: 250_000);
        var published = new List<TopicPublication>();
        using var recording = server.Topic("orders").Publications.Subscribe(publication => { lock (published) { published.Add(publication); } });
        await using var publisher = Client(proxy, server);
        await publisher.StartAsync(cancellationToken);

        const int window = 64;   // within MessagingClientOptions.MaxPendingRequests (100)
        var acknowledged = new Dictionary<int, TopicPosition>();
        var failed = 0;
        var pending = new Queue<(int Index, Task<TopicPosition> Ack)>();
        async Task CompleteOldestAsync()
        {
            var (index, ack) = pending.Dequeue();
            try
            {
                acknowledged.Add(index, await ack);
            }
            catch (ConnectionClosedException)
            {
                failed++;   // lost with its connection: it may or may not have been published
            }
        }

        for (var i = 1; i <= Count; i++)
        {
            pending.Enqueue((i, publisher.PublishAsync("orders", Message.Text(i.ToString(CultureInfo.InvariantCulture)), cancellationToken).AsTask()));
            if (pending.Count == window)
            {
                await CompleteOldestAsync();
            }
        }

        while (pending.Count > 0)
        {
            await CompleteOldestAsync();
        }

        await TestContext.Out.WriteLineAsync($"seed {Seed + 1}: {acknowledged.Count} acknowledged, {failed} failed with their connection, faults {string.Join(", ", proxy.Faults)}");
        List<TopicPublication> made;
        lock (published)
        {
            made = [.. published];
        }

        var texts = made.Select(p => int.Parse(p.Message.GetText(), CultureInfo.InvariantCulture)).ToList();
        var byIndex = made.ToDictionary(p => int.Parse(p.Message.GetText(), CultureInfo.InvariantCulture), p => p.Position);
        Assert.That(acknowledged.Count + failed, Is.EqualTo(Count), "every publish completed once");
        Assert.That(texts, Is.Unique, "no publication made twice");
        Assert.That(texts, Is.Ordered, "publications made in the order they were sent");
        Assert.That(acknowledged.Where(a => !byIndex.TryGetValue(a.Key, out var at) || at != a.Value), Is.Empty,
            "every acknowledged publication is in the topic, at the position its acknowledgment gave");
        Assert.That((failed, proxy.Faults.Count), Is.Not.EqualTo((0, 0)));
    }

    private static async Task<(int Received, string? Problem)> ReadAsync(ClientTopic topic, CancellationToken cancellationToken)
    {
        var received = 0;
        await foreach (var message in topic.ReadAllAsync(cancellationToken))
        {
            var expected = (received + 1).ToString(CultureInfo.InvariantCulture);
            if (message.GetText() != expected)
            {
                return (received, $"expected {expected}, received '{message.GetText()}'");
            }

            if (++received == Count)
            {
                break;
            }
        }

        return (received, null);
    }
}
