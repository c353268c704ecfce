using System.Diagnostics;
using RxSockets.Redis.Tests.Support;
using RxSockets.Scaling;
using StackExchange.Redis;

namespace RxSockets.Redis.Tests;

public class ConnectionTests
{
    private static readonly TopicHistoryLimits s_history = new(100, TimeSpan.Zero);

    [Test, CancelAfter(60_000)]
    public async Task StartAsync_NoRedisOnThePort_ThrowsBackplaneUnavailableNamingTheEndpoint(CancellationToken cancellationToken)
    {
        var port = RedisServer.FreePort();
        await using var backplane = new RedisBackplane(new RedisBackplaneOptions
        {
            Configuration = "127.0.0.1:" + port,
            ConnectTimeout = TimeSpan.FromSeconds(2),
        });

        var error = await Assert.ThrowsAsync<BackplaneUnavailableException>(async () => await backplane.StartAsync(new RecordingHandler(), cancellationToken));

        Assert.That(error!.Message, Does.Contain("127.0.0.1:" + port).And.Contain("unreachable"));
        await Assert.ThrowsAsync<InvalidOperationException>(async () => await backplane.PublishAsync("t", new BackplaneMessage(Message.Text("x"), backplane.NodeId), s_history, cancellationToken));
    }

    [Test, CancelAfter(60_000)]
    public async Task StartAsync_Twice_ThrowsInvalidOperation(CancellationToken cancellationToken)
    {
        await using var redis = await RedisServer.StartAsync(cancellationToken);
        await using var node = await TestNode.StartAsync(redis, cancellationToken);

        await Assert.ThrowsAsync<InvalidOperationException>(async () => await node.Backplane.StartAsync(new RecordingHandler(), cancellationToken));
    }

    [Test, CancelAfter(60_000)]
    public async Task StartAsync_OverAGivenConnection_WorksAndLeavesTheConnectionOpen(CancellationToken cancellationToken)
    {
        await using var redis = await RedisServer.StartAsync(cancellationToken);
        await using var connection = await ConnectionMultiplexer.ConnectAsync(redis.Configuration);
        var handler = new RecordingHandler();
        var backplane = new RedisBackplane(connection, new RedisBackplaneOptions { KeyPrefix = "app2" });
        await backplane.StartAsync(handler, cancellationToken);
        await backplane.SubscribeAsync("t", cancellationToken);

        var position = await backplane.PublishAsync("t", new BackplaneMessage(Message.Text("x"), backplane.NodeId), s_history, cancellationToken);
        await handler.WaitUntilAsync(h => h.PublicationCount == 1, "the publication");
        await backplane.DisposeAsync();

        Assert.That(position.Offset, Is.EqualTo(1));
        Assert.That(connection.IsConnected, Is.True);
        Assert.That(await connection.GetDatabase().KeyExistsAsync("app2:t:t:meta"), Is.True);
    }

    [Test, CancelAfter(120_000)]
    public async Task RedisRestartedEmpty_MidStream_LostThenRestoredWithANewEpochAndPresenceBack(CancellationToken cancellationToken)
    {
        await using var redis = await RedisServer.StartAsync(cancellationToken);
        await using var a = await TestNode.StartAsync(redis, cancellationToken, clients: 3);
        await using var b = await TestNode.StartAsync(redis, cancellationToken, clients: 4);
        await a.Backplane.SubscribeAsync("stream", cancellationToken);
        await b.Backplane.SubscribeAsync("stream", cancellationToken);
        await a.Backplane.JoinAsync("stream", 1, cancellationToken);
        await b.Backplane.JoinAsync("stream", 2, cancellationToken);
        TopicPosition before = default;
        for (var i = 0; i < 10; i++)
        {
            before = await a.Backplane.PublishAsync("stream", new BackplaneMessage(Message.Text("old " + i), a.Id), s_history, cancellationToken);
        }

        await b.Handler.WaitUntilAsync(h => h.PublicationCount == 10, "node B gets the publications before the outage");

        await redis.StopAsync();
        await a.Handler.WaitUntilAsync(h => h.ConnectionEvents.Contains("lost"), "node A reports the lost connection");
        await b.Handler.WaitUntilAsync(h => h.ConnectionEvents.Contains("lost"), "node B reports the lost connection");

        var failing = Stopwatch.StartNew();
        await Assert.ThrowsAsync<BackplaneUnavailableException>(async () =>
            await a.Backplane.PublishAsync("stream", new BackplaneMessage(Message.Text("lost"), a.Id), s_history, cancellationToken));
        await Assert.ThrowsAsync<BackplaneUnavailableException>(async () => await a.Backplane.BroadcastAsync(new BackplaneMessage(Message.Text("lost"), a.Id), cancellationToken));
        await Assert.ThrowsAsync<BackplaneUnavailableException>(async () => await b.Backplane.GetMemberCountAsync("stream", cancellationToken));
        await Assert.ThrowsAsync<BackplaneUnavailableException>(async () => await b.Backplane.JoinAsync("stream", 5, cancellationToken));
        Assert.That(failing.Elapsed, Is.LessThan(TimeSpan.FromSeconds(5)), "fails fast, without waiting for a timeout");

        await redis.RestartAsync(cancellationToken);
        await a.Handler.WaitUntilAsync(h => h.ConnectionEvents.Contains("restored"), "node A reports the restored connection");
        await b.Handler.WaitUntilAsync(h => h.ConnectionEvents.Contains("restored"), "node B reports the restored connection");

        Assert.That(a.Handler.ConnectionEvents, Is.EqualTo(new[] { "lost", "restored" }));
        Assert.That(b.Handler.ConnectionEvents, Is.EqualTo(new[] { "lost", "restored" }));
        var after = await a.Backplane.PublishAsync("stream", new BackplaneMessage(Message.Text("new"), a.Id), s_history, cancellationToken);
        Assert.That(after.Offset, Is.EqualTo(1));
        Assert.That(after.Epoch, Is.Not.EqualTo(before.Epoch));
        await a.Handler.WaitUntilAsync(h => h.PublicationCount == 11, "node A gets the publication after the outage");
        await b.Handler.WaitUntilAsync(h => h.PublicationCount == 11, "node B gets the publication after the outage");
        Assert.That(b.Handler.Publications[^1].Position, Is.EqualTo(after));
        Assert.That((await b.Backplane.ReadHistoryAsync("stream", before, cancellationToken)).Complete, Is.False);

        // Both nodes wrote their members and counts again, including the join that failed during the outage.
        Assert.That(await a.Backplane.GetMembersAsync("stream", cancellationToken), Is.EquivalentTo(new[]
        {
            new ClusterMember(a.Id, 1), new ClusterMember(b.Id, 2), new ClusterMember(b.Id, 5),
        }));
        Assert.That(await a.Backplane.GetClientCountAsync(cancellationToken), Is.EqualTo(7));

        // Broadcasts flow again too.
        await a.Backplane.BroadcastAsync(new BackplaneMessage(Message.Text("back"), a.Id), cancellationToken);
        await b.Handler.WaitUntilAsync(h => h.Broadcasts.Any(m => m.Message.GetText() == "back"), "a broadcast after the outage");
    }

    [Test, CancelAfter(120_000)]
    public async Task RedisRestartedTwice_EachOutageReportedOnceAndRestored(CancellationToken cancellationToken)
    {
        await using var redis = await RedisServer.StartAsync(cancellationToken);
        await using var a = await TestNode.StartAsync(redis, cancellationToken);
        await using var b = await TestNode.StartAsync(redis, cancellationToken);
        await b.Backplane.SubscribeAsync("t", cancellationToken);

        for (var outage = 1; outage <= 2; outage++)
        {
            await redis.StopAsync();
            await a.Handler.WaitUntilAsync(h => h.ConnectionEvents.Count == 2 * outage - 1, "node A reports outage " + outage);
            await b.Handler.WaitUntilAsync(h => h.ConnectionEvents.Count == 2 * outage - 1, "node B reports outage " + outage);
            await redis.RestartAsync(cancellationToken);
            await a.Handler.WaitUntilAsync(h => h.ConnectionEvents.Count == 2 * outage, "node A reports restoration " + outage);
            await b.Handler.WaitUntilAsync(h => h.ConnectionEvents.Count == 2 * outage, "node B reports restoration " + outage);

            var position = await a.Backplane.PublishAsync("t", new BackplaneMessage(Message.Text("after " + outage), a.Id), s_history, cancellationToken);
            await b.Handler.WaitUntilAsync(h => h.PublicationCount == outage, "node B gets the publication after outage " + outage);
            Assert.That(b.Handler.Publications[^1].Position, Is.EqualTo(position));
        }

        Assert.That(a.Handler.ConnectionEvents, Is.EqualTo(new[] { "lost", "restored", "lost", "restored" }));
        Assert.That(b.Handler.ConnectionEvents, Is.EqualTo(new[] { "lost", "restored", "lost", "restored" }));
    }

    [Test, CancelAfter(60_000)]
    public async Task DisposeAsync_WhileRedisIsDown_DoesNotThrow(CancellationToken cancellationToken)
    {
        await using var redis = await RedisServer.StartAsync(cancellationToken);
        var node = await TestNode.StartAsync(redis, cancellationToken);
        await node.Backplane.SubscribeAsync("t", cancellationToken);
        await node.Backplane.JoinAsync("t", 1, cancellationToken);
        await redis.StopAsync();
        await node.Handler.WaitUntilAsync(h => h.ConnectionEvents.Contains("lost"), "the lost connection");

        await Assert.DoesNotThrowAsync(async () => await node.DisposeAsync());
    }
}
