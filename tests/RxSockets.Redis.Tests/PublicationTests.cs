using System.Text;
using RxSockets.Redis.Tests.Support;
using RxSockets.Scaling;
using StackExchange.Redis;

namespace RxSockets.Redis.Tests;

public class PublicationTests
{
    private static readonly TopicHistoryLimits s_noHistory = new(0, TimeSpan.Zero);

    [Test, CancelAfter(120_000)]
    public async Task PublishAsync_ManyFromOneNode_EveryNodeGetsEachOnceInOffsetOrder(CancellationToken cancellationToken)
    {
        await using var redis = await RedisServer.StartAsync(cancellationToken);
        await using var a = await TestNode.StartAsync(redis, cancellationToken);
        await using var b = await TestNode.StartAsync(redis, cancellationToken);
        await a.Backplane.SubscribeAsync("prices", cancellationToken);
        await b.Backplane.SubscribeAsync("prices", cancellationToken);
        const int Count = 5_000;

        var positions = new List<TopicPosition>();
        for (var i = 1; i <= Count; i++)
        {
            var message = new BackplaneMessage(Message.Text("tick " + i), a.Id);
            positions.Add(await a.Backplane.PublishAsync("prices", message, s_noHistory, cancellationToken));
        }

        await a.Handler.WaitUntilAsync(h => h.PublicationCount >= Count, "node A gets every publication");
        await b.Handler.WaitUntilAsync(h => h.PublicationCount >= Count, "node B gets every publication");

        var epoch = positions[0].Epoch;
        Assert.That(epoch, Is.Not.Empty);
        Assert.That(positions.Select(p => p.Offset), Is.EqualTo(Enumerable.Range(1, Count).Select(i => (long)i)));
        Assert.That(positions.Select(p => p.Epoch).Distinct(), Is.EqualTo(new[] { epoch }));
        foreach (var node in new[] { a, b })
        {
            var received = node.Handler.Publications;
            Assert.That(received, Has.Count.EqualTo(Count), "exactly once");
            Assert.That(received.Select(p => p.Offset), Is.EqualTo(Enumerable.Range(1, Count).Select(i => (long)i)));
            Assert.That(received.All(p => p.Epoch == epoch && p.Node == a.Id && p.Topic == "prices"), Is.True);
            Assert.That(received.Select(p => p.Message.GetText()), Is.EqualTo(Enumerable.Range(1, Count).Select(i => "tick " + i)));
            Assert.That(node.Handler.OverlappingPublications, Is.False, "one publication at a time");
        }
    }

    [Test, CancelAfter(60_000)]
    public async Task PublishAsync_ConcurrentPublishersOnTwoNodes_OneOrderForEveryNode(CancellationToken cancellationToken)
    {
        await using var redis = await RedisServer.StartAsync(cancellationToken);
        await using var a = await TestNode.StartAsync(redis, cancellationToken);
        await using var b = await TestNode.StartAsync(redis, cancellationToken);
        await a.Backplane.SubscribeAsync("chat", cancellationToken);
        await b.Backplane.SubscribeAsync("chat", cancellationToken);
        const int PerNode = 500;

        async Task PublishAllAsync(TestNode node)
        {
            var pending = Enumerable.Range(0, PerNode).Select(i =>
                node.Backplane.PublishAsync("chat", new BackplaneMessage(Message.Binary(new byte[] { (byte)i, 0, 255 }), node.Id), s_noHistory, cancellationToken).AsTask());
            await Task.WhenAll(pending);
        }

        await Task.WhenAll(PublishAllAsync(a), PublishAllAsync(b));
        await a.Handler.WaitUntilAsync(h => h.PublicationCount >= 2 * PerNode, "node A gets both nodes' publications");
        await b.Handler.WaitUntilAsync(h => h.PublicationCount >= 2 * PerNode, "node B gets both nodes' publications");

        var expected = Enumerable.Range(1, 2 * PerNode).Select(i => (long)i);
        Assert.That(a.Handler.Publications.Select(p => p.Offset), Is.EqualTo(expected));
        Assert.That(b.Handler.Publications.Select(p => (p.Offset, p.Node)), Is.EqualTo(a.Handler.Publications.Select(p => (p.Offset, p.Node))));
        Assert.That(a.Handler.Publications.All(p => p.Message.IsBinary && p.Message.Data.Length == 3), Is.True);
    }

    [Test, CancelAfter(60_000)]
    public async Task PublishAsync_OwnPublication_ComesBackWithItsPosition(CancellationToken cancellationToken)
    {
        await using var redis = await RedisServer.StartAsync(cancellationToken);
        await using var a = await TestNode.StartAsync(redis, cancellationToken);
        await a.Backplane.SubscribeAsync("self", cancellationToken);
        await a.Backplane.SubscribeAsync("self", cancellationToken);

        var payload = new byte[] { 0, 1, 2, 58, 124, 255 };
        var position = await a.Backplane.PublishAsync("self", new BackplaneMessage(Message.Binary(payload), a.Id, Except: 42), s_noHistory, cancellationToken);
        await a.Handler.WaitUntilAsync(h => h.PublicationCount == 1, "the node gets its own publication");

        var publication = a.Handler.Publications.Single();
        Assert.That(publication.Position, Is.EqualTo(position));
        Assert.That(publication.Message, Is.EqualTo(Message.Binary(payload)));
        Assert.That(publication.Node, Is.EqualTo(a.Id));
        Assert.That(await a.Backplane.GetPositionAsync("self", cancellationToken), Is.EqualTo(position));
    }

    [Test, CancelAfter(60_000)]
    public async Task UnsubscribeAsync_Twice_StopsDeliveries(CancellationToken cancellationToken)
    {
        await using var redis = await RedisServer.StartAsync(cancellationToken);
        await using var a = await TestNode.StartAsync(redis, cancellationToken);
        await using var b = await TestNode.StartAsync(redis, cancellationToken);
        await b.Backplane.SubscribeAsync("gone", cancellationToken);
        await b.Backplane.SubscribeAsync("marker", cancellationToken);
        await a.Backplane.PublishAsync("gone", new BackplaneMessage(Message.Text("before"), a.Id), s_noHistory, cancellationToken);
        await b.Handler.WaitUntilAsync(h => h.PublicationCount == 1, "the publication before unsubscribing");

        await b.Backplane.UnsubscribeAsync("gone", cancellationToken);
        await b.Backplane.UnsubscribeAsync("gone", cancellationToken);
        await a.Backplane.PublishAsync("gone", new BackplaneMessage(Message.Text("after"), a.Id), s_noHistory, cancellationToken);
        await a.Backplane.PublishAsync("marker", new BackplaneMessage(Message.Text("marker"), a.Id), s_noHistory, cancellationToken);
        await b.Handler.WaitUntilAsync(h => h.PublicationsOf("marker").Any(), "the marker published after");

        Assert.That(b.Handler.PublicationsOf("gone").Select(p => p.Message.GetText()), Is.EqualTo(new[] { "before" }));

        await b.Backplane.SubscribeAsync("gone", cancellationToken);
        var position = await a.Backplane.PublishAsync("gone", new BackplaneMessage(Message.Text("again"), a.Id), s_noHistory, cancellationToken);
        await b.Handler.WaitUntilAsync(h => h.PublicationsOf("gone").Count() == 2, "the publication after subscribing again");
        Assert.That(b.Handler.PublicationsOf("gone").Last().Position, Is.EqualTo(position));
    }

    [Test, CancelAfter(60_000)]
    public async Task ReadHistoryAsync_AfterTrimmingBySize_CompleteOnlyWhileTheNextOffsetIsKept(CancellationToken cancellationToken)
    {
        await using var redis = await RedisServer.StartAsync(cancellationToken);
        await using var a = await TestNode.StartAsync(redis, cancellationToken);
        await using var b = await TestNode.StartAsync(redis, cancellationToken);
        var history = new TopicHistoryLimits(10, TimeSpan.Zero);
        TopicPosition last = default;
        for (var i = 1; i <= 25; i++)
        {
            var message = i % 2 == 0 ? Message.Binary(new byte[] { (byte)i }) : Message.Text("m" + i);
            last = await a.Backplane.PublishAsync("feed", new BackplaneMessage(message, a.Id), history, cancellationToken);
        }

        var epoch = last.Epoch;
        var recent = await b.Backplane.ReadHistoryAsync("feed", new TopicPosition(20, epoch), cancellationToken);
        var oldest = await b.Backplane.ReadHistoryAsync("feed", new TopicPosition(15, epoch), cancellationToken);
        var trimmed = await b.Backplane.ReadHistoryAsync("feed", new TopicPosition(14, epoch), cancellationToken);
        var current = await b.Backplane.ReadHistoryAsync("feed", new TopicPosition(25, epoch), cancellationToken);
        var otherEpoch = await b.Backplane.ReadHistoryAsync("feed", new TopicPosition(20, "not-" + epoch), cancellationToken);
        var ahead = await b.Backplane.ReadHistoryAsync("feed", new TopicPosition(26, epoch), cancellationToken);

        Assert.That(last, Is.EqualTo(new TopicPosition(25, epoch)));
        Assert.That(recent.Complete, Is.True);
        Assert.That(recent.Position, Is.EqualTo(last));
        Assert.That(recent.Publications.Select(p => p.Offset), Is.EqualTo(new long[] { 21, 22, 23, 24, 25 }));
        Assert.That(recent.Publications.All(p => p.Topic == "feed" && p.Epoch == epoch && p.Node == a.Id), Is.True);
        Assert.That(recent.Publications[0].Message, Is.EqualTo(Message.Text("m21")));
        Assert.That(recent.Publications[1].Message, Is.EqualTo(Message.Binary(new byte[] { 22 })));
        Assert.That(oldest.Complete, Is.True);
        Assert.That(oldest.Publications, Has.Count.EqualTo(10));
        Assert.That(trimmed.Complete, Is.False);
        Assert.That(trimmed.Publications, Is.Empty);
        Assert.That(trimmed.Position, Is.EqualTo(last));
        Assert.That(current.Complete, Is.True);
        Assert.That(current.Publications, Is.Empty);
        Assert.That(otherEpoch.Complete, Is.False);
        Assert.That(ahead.Complete, Is.False);
    }

    [Test, CancelAfter(60_000)]
    public async Task ReadHistoryAsync_NoHistoryKept_IncompleteUnlessAtTheEnd(CancellationToken cancellationToken)
    {
        await using var redis = await RedisServer.StartAsync(cancellationToken);
        await using var a = await TestNode.StartAsync(redis, cancellationToken);
        var first = await a.Backplane.PublishAsync("live", new BackplaneMessage(Message.Text("1"), a.Id), s_noHistory, cancellationToken);
        var second = await a.Backplane.PublishAsync("live", new BackplaneMessage(Message.Text("2"), a.Id), s_noHistory, cancellationToken);

        var behind = await a.Backplane.ReadHistoryAsync("live", first, cancellationToken);
        var atEnd = await a.Backplane.ReadHistoryAsync("live", second, cancellationToken);

        Assert.That(second, Is.EqualTo(new TopicPosition(2, first.Epoch)));
        Assert.That(behind.Complete, Is.False);
        Assert.That(atEnd.Complete, Is.True);
    }

    [Test, CancelAfter(60_000)]
    public async Task GetPositionAsync_NewTopic_StartsAnEpochAtOffsetZeroThatPublishingKeeps(CancellationToken cancellationToken)
    {
        await using var redis = await RedisServer.StartAsync(cancellationToken);
        await using var a = await TestNode.StartAsync(redis, cancellationToken);

        var start = await a.Backplane.GetPositionAsync("fresh", cancellationToken);
        var again = await a.Backplane.GetPositionAsync("fresh", cancellationToken);
        var published = await a.Backplane.PublishAsync("fresh", new BackplaneMessage(Message.Text("x"), a.Id), new TopicHistoryLimits(5, TimeSpan.Zero), cancellationToken);

        Assert.That(start.Offset, Is.Zero);
        Assert.That(start.Epoch, Is.Not.Empty);
        Assert.That(again, Is.EqualTo(start));
        Assert.That(published, Is.EqualTo(new TopicPosition(1, start.Epoch)));
        var page = await a.Backplane.ReadHistoryAsync("fresh", start, cancellationToken);
        Assert.That(page.Complete, Is.True);
        Assert.That(page.Publications.Select(p => p.Message.GetText()), Is.EqualTo(new[] { "x" }));
    }

    [Test, CancelAfter(60_000)]
    public async Task PublishAsync_HistoryKeyDeleted_StartsANewEpoch(CancellationToken cancellationToken)
    {
        await using var redis = await RedisServer.StartAsync(cancellationToken);
        await using var a = await TestNode.StartAsync(redis, cancellationToken);
        await using var client = await ConnectionMultiplexer.ConnectAsync(redis.Configuration);
        var history = new TopicHistoryLimits(10, TimeSpan.Zero);
        TopicPosition before = default;
        for (var i = 0; i < 3; i++)
        {
            before = await a.Backplane.PublishAsync("doc", new BackplaneMessage(Message.Text("v" + i), a.Id), history, cancellationToken);
        }

        Assert.That(await client.GetDatabase().KeyDeleteAsync("rxsockets:t:doc:history"), Is.True);
        var after = await a.Backplane.PublishAsync("doc", new BackplaneMessage(Message.Text("v3"), a.Id), history, cancellationToken);
        var next = await a.Backplane.PublishAsync("doc", new BackplaneMessage(Message.Text("v4"), a.Id), history, cancellationToken);

        Assert.That(before.Offset, Is.EqualTo(3));
        Assert.That(after.Offset, Is.EqualTo(4));
        Assert.That(after.Epoch, Is.Not.EqualTo(before.Epoch));
        Assert.That(next, Is.EqualTo(new TopicPosition(5, after.Epoch)));
        Assert.That((await a.Backplane.ReadHistoryAsync("doc", before, cancellationToken)).Complete, Is.False);
        var page = await a.Backplane.ReadHistoryAsync("doc", new TopicPosition(3, after.Epoch), cancellationToken);
        Assert.That(page.Complete, Is.True);
        Assert.That(page.Publications.Select(p => p.Message.GetText()), Is.EqualTo(new[] { "v3", "v4" }));
    }

    [Test, CancelAfter(90_000)]
    public async Task History_WithTtl_DropsOldEntriesThenTheIdleStreamButKeepsTheEpoch(CancellationToken cancellationToken)
    {
        await using var redis = await RedisServer.StartAsync(cancellationToken);
        await using var a = await TestNode.StartAsync(redis, cancellationToken);
        await using var client = await ConnectionMultiplexer.ConnectAsync(redis.Configuration);
        var database = client.GetDatabase();
        var ttl = TimeSpan.FromSeconds(2);
        var history = new TopicHistoryLimits(100, ttl);

        var first = await a.Backplane.PublishAsync("news", new BackplaneMessage(Message.Text("one"), a.Id), history, cancellationToken);
        var firstTime = await EntryTimeAsync(database, "news", 1);
        await WaitForRedisTimeAsync(database, firstTime + 1_000, cancellationToken);
        var second = await a.Backplane.PublishAsync("news", new BackplaneMessage(Message.Text("two"), a.Id), history, cancellationToken);
        var secondTime = await EntryTimeAsync(database, "news", 2);
        await WaitForRedisTimeAsync(database, firstTime + (long)ttl.TotalMilliseconds + 1, cancellationToken);

        // The first entry is older than the TTL: a read that needs it is incomplete (even before any trim).
        var needsFirst = await a.Backplane.ReadHistoryAsync("news", new TopicPosition(0, first.Epoch), cancellationToken);
        var needsSecond = await a.Backplane.ReadHistoryAsync("news", first, cancellationToken);
        var readAt = await RedisTimeAsync(database);
        Assert.That(needsFirst.Complete, Is.False);
        if (readAt < secondTime + (long)ttl.TotalMilliseconds)
        {
            Assert.That(needsSecond.Complete, Is.True);
            Assert.That(needsSecond.Publications.Select(p => p.Message.GetText()), Is.EqualTo(new[] { "two" }));
        }

        // A publish trims the expired head entry away.
        var third = await a.Backplane.PublishAsync("news", new BackplaneMessage(Message.Text("three"), a.Id), history, cancellationToken);
        var kept = await database.StreamRangeAsync("rxsockets:t:news:history");
        Assert.That(kept.Select(e => (string)e.Id!), Does.Not.Contain("1-0"));
        Assert.That(kept.Select(e => (string)e.Id!), Does.Contain("3-0"));

        // Idle for the TTL, the stream itself expires (polled in Redis: it is Redis's clock that decides).
        using (var bound = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
        {
            bound.CancelAfter(TimeSpan.FromSeconds(30));
            while (await database.KeyExistsAsync("rxsockets:t:news:history"))
            {
                await Task.Delay(50, bound.Token);
            }
        }

        // Expiry by age is not a loss: the epoch stays, and a reader at the last offset continues.
        var fourth = await a.Backplane.PublishAsync("news", new BackplaneMessage(Message.Text("four"), a.Id), history, cancellationToken);
        Assert.That(second.Offset, Is.EqualTo(2));
        Assert.That(fourth, Is.EqualTo(new TopicPosition(4, first.Epoch)));
        var page = await a.Backplane.ReadHistoryAsync("news", third, cancellationToken);
        Assert.That(page.Complete, Is.True);
        Assert.That(page.Publications.Select(p => p.Message.GetText()), Is.EqualTo(new[] { "four" }));
    }

    private static async Task<long> EntryTimeAsync(IDatabase database, string topic, long offset)
    {
        var entries = await database.StreamRangeAsync("rxsockets:t:" + topic + ":history", offset + "-0", offset + "-0");
        Assert.That(entries, Has.Length.EqualTo(1));
        return (long)entries[0]["t"];
    }

    private static async Task<long> RedisTimeAsync(IDatabase database)
    {
        var time = (RedisResult[])(await database.ExecuteAsync("TIME"))!;
        return (long)time[0] * 1000 + (long)time[1] / 1000;
    }

    /// <summary>Polls the Redis server's clock (bounded) until it reaches <paramref name="milliseconds"/>.</summary>
    private static async Task WaitForRedisTimeAsync(IDatabase database, long milliseconds, CancellationToken cancellationToken)
    {
        using var bound = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        bound.CancelAfter(TimeSpan.FromSeconds(30));
        while (await RedisTimeAsync(database) < milliseconds)
        {
            await Task.Delay(20, bound.Token);
        }
    }
}
