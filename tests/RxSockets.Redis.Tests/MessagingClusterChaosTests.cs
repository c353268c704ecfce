using System.Globalization;
using System.Reactive.Linq;
using System.Reactive.Threading.Tasks;
using RxSockets.Redis.Tests.Support;

namespace RxSockets.Redis.Tests;

/// <summary>The messaging protocol on a two-node cluster over a real redis-server: subscribers of a node that is
/// killed in the middle of 100,000 publications move to the other node and recover from the cluster's history, each
/// publication exactly once, in the cluster's order.</summary>
public class MessagingClusterChaosTests
{
    private const int Count = 100_000;

    private static async Task<WebSocketServer> NodeAsync(RedisServer redis, CancellationToken cancellationToken) =>
        await WebSocketServer.StartAsync(new WebSocketServerOptions
        {
            Backplane = new RedisBackplane(new RedisBackplaneOptions
            {
                Configuration = redis.Configuration,
                HeartbeatInterval = TimeSpan.FromMilliseconds(200),
                NodeTimeout = TimeSpan.FromSeconds(1),
            }),
            Messaging = new MessagingServerOptions(),
            ConfigureTopic = _ => new TopicOptions { HistorySize = Count },
            CloseTimeout = TimeSpan.FromSeconds(1),
        }, cancellationToken);

    [Test, CancelAfter(300_000)]
    public async Task NodeKilledMidStream_ItsSubscribersRecoverOnTheOtherNode_EachOf100000PublicationsOnceInOrder(CancellationToken cancellationToken)
    {
        await using var redis = await RedisServer.StartAsync(cancellationToken);
        var doomed = await NodeAsync(redis, cancellationToken);
        await using var survivor = await NodeAsync(redis, cancellationToken);
        var order = new List<string>();
        using var recording = survivor.Topic("feed").Publications.Subscribe(publication => { lock (order) { order.Add(publication.Message.GetText()); } });
        var bothJoined = doomed.Topic("feed").Membership.FirstAsync(change => change.IsLocal && change.Count == 2).ToTask(cancellationToken);
        var clients = new List<WebSocketClient>();
        var reads = new List<Task<List<string>>>();
        var gaps = 0;
        var moved = 0;
        for (var i = 0; i < 2; i++)
        {
            var client = new WebSocketClient(doomed.Url, new WebSocketClientOptions { Messaging = new MessagingClientOptions() },
                new ReconnectOptions { ReconnectDelay = TimeSpan.FromMilliseconds(10), MaxReconnectDelay = TimeSpan.FromMilliseconds(100) });
            client.Events.OfType<ClientDisconnected>().Subscribe(_ => client.Url = survivor.Url);   // the load balancer sends it elsewhere
            client.Events.OfType<ClientReconnected>().Subscribe(_ => Interlocked.Increment(ref moved));
            client.Events.OfType<ClientTopicGap>().Subscribe(_ => Interlocked.Increment(ref gaps));
            clients.Add(client);
            await client.StartAsync(cancellationToken);
            reads.Add(ReadAsync(client.Topic("feed"), cancellationToken));
        }

        await bothJoined;   // both subscribed: every publication is theirs
        var killed = false;
        for (var i = 1; i <= Count; i++)
        {
            await survivor.Topic("feed").PublishAsync(i.ToString(CultureInfo.InvariantCulture), cancellationToken: cancellationToken);
            if (i == Count / 3)
            {
                // Killed, not stopped: its clients lose their connections without a close handshake.
                foreach (var connection in doomed.Clients)
                {
                    connection.Abort();
                }

                await doomed.DisposeAsync();
                killed = true;
            }
        }

        var received = await Task.WhenAll(reads);
        foreach (var client in clients)
        {
            await client.DisposeAsync();
        }

        List<string> expected;
        lock (order)
        {
            expected = [.. order];
        }

        Assert.That(killed && moved == 2, Is.True, $"both clients moved to the surviving node ({moved} reconnects)");
        Assert.That(gaps, Is.Zero);
        Assert.That(expected, Has.Count.EqualTo(Count));
        foreach (var lines in received)
        {
            Assert.That(lines, Is.EqualTo(expected), "lost: 0, duplicated: 0, out of order: 0");
        }
    }

    private static async Task<List<string>> ReadAsync(ClientTopic topic, CancellationToken cancellationToken)
    {
        var lines = new List<string>(Count);
        await foreach (var message in topic.ReadAllAsync(cancellationToken))
        {
            lines.Add(message.GetText());
            if (lines.Count == Count)
            {
                break;
            }
        }

        return lines;
    }
}
