using System.Reactive.Linq;
using System.Reactive.Threading.Tasks;
using RxSockets.Redis.Tests.Support;
using RxSockets.Scaling;
using RxSockets.Tests.Shared;

namespace RxSockets.Redis.Tests;

/// <summary>Several <see cref="WebSocketServer"/> nodes in this process, each with its own Redis connection, on one real
/// redis-server; real clients over loopback.</summary>
public class ServerClusterTests
{
    [Test, CancelAfter(60_000)]
    public async Task Publications_TwoPublishersOnDifferentNodes_EveryMemberOfEveryNodeGetsEachOnceInPublicationOrder(CancellationToken cancellationToken)
    {
        await using var redis = await RedisServer.StartAsync(cancellationToken);
        await using var a = await TopicNode.StartAsync(redis, cancellationToken);
        await using var b = await TopicNode.StartAsync(redis, cancellationToken);
        await using var c = await TopicNode.StartAsync(redis, cancellationToken);
        var members = new List<WebSocketConnection>();
        foreach (var node in new[] { a, b, c, c })
        {
            members.Add((await node.JoinAsync("prices", cancellationToken)).Client);
        }

        const int each = 1_000;
        async Task PublishAsync(TopicNode node, string publisher)
        {
            for (var i = 0; i < each; i++)
            {
                await node.Server.Topic("prices").PublishAsync($"{publisher}{i}", cancellationToken: cancellationToken);
            }
        }

        var reads = members.Select(member => member.ReadTextsAsync(2 * each, cancellationToken)).ToList();
        await Task.WhenAll(PublishAsync(a, "a"), PublishAsync(b, "b"));

        foreach (var lines in await Task.WhenAll(reads))
        {
            var parsed = lines.Select(MemberReads.Parse).ToList();
            Assert.That(parsed.Select(line => line.Position.Offset), Is.EqualTo(Enumerable.Range(1, 2 * each).Select(offset => (long)offset)),
                "offsets consecutive: nothing lost, nothing twice, one order for everyone");
            foreach (var publisher in new[] { "a", "b" })
            {
                Assert.That(parsed.Select(line => line.Text).Where(text => text.StartsWith(publisher, StringComparison.Ordinal)),
                    Is.EqualTo(Enumerable.Range(0, each).Select(i => $"{publisher}{i}")), $"publisher {publisher}'s order");
            }
        }

        var orders = (await Task.WhenAll(reads)).Select(lines => string.Join("|", lines)).Distinct();
        Assert.That(orders.Count(), Is.EqualTo(1), "every member saw the same order");
    }

    [Test, CancelAfter(60_000)]
    public async Task JoinAsync_FromPosition_OnAnotherNode_RecoversExactlyWhatWasMissedThenLive(CancellationToken cancellationToken)
    {
        await using var redis = await RedisServer.StartAsync(cancellationToken);
        await using var a = await TopicNode.StartAsync(redis, cancellationToken);
        await using var b = await TopicNode.StartAsync(redis, cancellationToken);
        var topic = a.Server.Topic("feed");
        var (first, _) = await b.JoinAsync("feed", cancellationToken);
        for (var i = 1; i <= 10; i++)
        {
            await topic.PublishAsync($"m{i}", cancellationToken: cancellationToken);
        }

        var seen = (await first.ReadTextsAsync(4, cancellationToken)).Select(MemberReads.Parse).ToList();
        await first.CloseAsync(CloseCode.NormalClosure, "gone for a while", cancellationToken);
        var (again, join) = await a.JoinAsync("feed", cancellationToken, since: seen[^1].Position);
        await topic.PublishAsync("m11", cancellationToken: cancellationToken);
        var rest = (await again.ReadTextsAsync(7, cancellationToken)).Select(MemberReads.Parse).ToList();

        Assert.That(seen.Select(line => line.Text), Is.EqualTo(new[] { "m1", "m2", "m3", "m4" }));
        Assert.That((join.Joined, join.Recovered, join.Gap), Is.EqualTo((true, 6, (TopicGap?)null)));
        Assert.That(rest.Select(line => line.Text), Is.EqualTo(Enumerable.Range(5, 7).Select(i => $"m{i}")));
        Assert.That(rest.Select(line => line.Position.Epoch).Distinct(), Is.EqualTo(new[] { seen[0].Position.Epoch }));
    }

    [Test, CancelAfter(60_000)]
    public async Task JoinAsync_HistoryTrimmed_TheMemberIsToldOfTheGapAndGoesOnLive(CancellationToken cancellationToken)
    {
        await using var redis = await RedisServer.StartAsync(cancellationToken);
        await using var a = await TopicNode.StartAsync(redis, cancellationToken, historySize: 5);
        var topic = a.Server.Topic("feed");
        for (var i = 1; i <= 20; i++)
        {
            await topic.PublishAsync($"m{i}", cancellationToken: cancellationToken);
        }

        var epoch = topic.Position.Epoch;
        var (member, join) = await a.JoinAsync("feed", cancellationToken, since: new TopicPosition(3, epoch));
        await topic.PublishAsync("m21", cancellationToken: cancellationToken);

        Assert.That(join.Gap?.Reason, Is.EqualTo(TopicGapReason.HistoryTrimmed));
        Assert.That(await member.ReadTextsAsync(2, cancellationToken), Is.EqualTo(new[] { $"gap HistoryTrimmed 3@{epoch} 20@{epoch}", $"21@{epoch} m21" }));
    }

    [Test, CancelAfter(60_000)]
    public async Task Presence_MembersCountsAndEventsSpanNodes_AndACrashedNodesMembersLeaveEverywhere(CancellationToken cancellationToken)
    {
        await using var redis = await RedisServer.StartAsync(cancellationToken);
        await using var a = await TopicNode.StartAsync(redis, cancellationToken);
        var b = await TopicNode.StartAsync(redis, cancellationToken);
        var changes = new List<TopicMembershipChange>();
        var bobLeft = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var watch = a.Server.Topic("room").Membership.Subscribe(change =>
        {
            lock (changes)
            {
                changes.Add(change);
            }

            if (!change.IsLocal && !change.Joined)
            {
                bobLeft.TrySetResult();
            }
        });
        var (alice, _) = await a.JoinAsync("room", cancellationToken);
        var (bob, _) = await b.JoinAsync("room", cancellationToken);
        var bobId = b.Server.Clients.Single().Id;

        var members = await a.Server.Topic("room").GetMembersAsync(cancellationToken);
        var count = await b.Server.Topic("room").GetMemberCountAsync(cancellationToken);

        Assert.That(members, Is.EquivalentTo(new[] { new ClusterMember(a.Server.NodeId, a.Server.Clients.Single().Id), new ClusterMember(b.Server.NodeId, bobId) }));
        Assert.That(count, Is.EqualTo(2));

        await b.Backplane.CrashAsync();   // as SIGKILL would: no goodbye, its entries stay in Redis until reaped
        await bobLeft.Task.WaitAsync(cancellationToken);

        Assert.That(await a.Server.Topic("room").GetMembersAsync(cancellationToken), Has.Count.EqualTo(1));
        lock (changes)
        {
            Assert.That(changes.Select(change => (change.Member.Node, change.Joined, change.IsLocal)), Is.EqualTo(new[]
            {
                (a.Server.NodeId, true, true),
                (b.Server.NodeId, true, false),
                (b.Server.NodeId, false, false),
            }));
        }

        await bob.DisposeAsync();
        await alice.DisposeAsync();
        await b.DisposeAsync();
    }

    [Test, CancelAfter(60_000)]
    public async Task ClusterClientCount_AddsUpEveryNode(CancellationToken cancellationToken)
    {
        await using var redis = await RedisServer.StartAsync(cancellationToken);
        await using var a = await TopicNode.StartAsync(redis, cancellationToken);
        await using var b = await TopicNode.StartAsync(redis, cancellationToken);
        await a.JoinAsync("x", cancellationToken);
        await b.JoinAsync("x", cancellationToken);
        await b.JoinAsync("x", cancellationToken);

        // Each node reports its count on its heartbeat: wait for the one that carries three.
        while (await a.Server.GetClusterClientCountAsync(cancellationToken) != 3)
        {
            await b.Backplane.TickAsync();
            await a.Backplane.TickAsync();
        }

        Assert.That(await b.Server.GetClusterClientCountAsync(cancellationToken), Is.EqualTo(3));
    }

    [Test, CancelAfter(60_000)]
    public async Task BroadcastAsync_ReachesEveryNodesClientsButTheSender(CancellationToken cancellationToken)
    {
        await using var redis = await RedisServer.StartAsync(cancellationToken);
        await using var a = await TopicNode.StartAsync(redis, cancellationToken);
        await using var b = await TopicNode.StartAsync(redis, cancellationToken);
        var (sender, _) = await a.JoinAsync("x", cancellationToken);
        var (local, _) = await a.JoinAsync("x", cancellationToken);
        var (remote, _) = await b.JoinAsync("x", cancellationToken);
        var senderOnServer = a.Server.Clients.Single(client => client.Id == a.Server.Clients.Min(c => c.Id));

        for (var i = 0; i < 100; i++)
        {
            await a.Server.BroadcastAsync(Message.Text($"n{i}"), except: senderOnServer, cancellationToken: cancellationToken);
        }

        await a.Server.BroadcastAsync(Message.Text("all"), cancellationToken: cancellationToken);

        var expected = Enumerable.Range(0, 100).Select(i => $"n{i}").Append("all");
        Assert.That(await remote.ReadTextsAsync(101, cancellationToken), Is.EqualTo(expected));
        Assert.That(await local.ReadTextsAsync(101, cancellationToken), Is.EqualTo(expected));
        Assert.That(await sender.ReadTextsAsync(1, cancellationToken), Is.EqualTo(new[] { "all" }));
    }

    [Test, CancelAfter(90_000)]
    public async Task RedisStoppedAndRestarted_MembersAreToldOfTheGap_PublishingFailsFastButReachesLocalMembers_ThenAllRecovers(CancellationToken cancellationToken)
    {
        await using var redis = await RedisServer.StartAsync(cancellationToken);
        await using var a = await TopicNode.StartAsync(redis, cancellationToken);
        await using var b = await TopicNode.StartAsync(redis, cancellationToken);
        var topic = a.Server.Topic("feed");
        var (onA, _) = await a.JoinAsync("feed", cancellationToken);
        var (onB, _) = await b.JoinAsync("feed", cancellationToken);
        await topic.PublishAsync("before", cancellationToken: cancellationToken);
        var before = MemberReads.Parse((await onB.ReadTextsAsync(1, cancellationToken))[0]).Position;
        Assert.That((await onA.ReadTextsAsync(1, cancellationToken))[0], Is.EqualTo($"{before} before"));

        await redis.StopAsync();

        Assert.That(await onA.ReadTextsAsync(1, cancellationToken), Is.EqualTo(new[] { $"gap BackplaneLost {before} 0@" }));
        Assert.That(await a.Server.BackplaneConnected.FirstAsync().ToTask(cancellationToken), Is.False, "told after the link was marked down");
        Assert.That(await onB.ReadTextsAsync(1, cancellationToken), Is.EqualTo(new[] { $"gap BackplaneLost {before} 0@" }));
        var failed = await Assert.ThrowsAsync<BackplaneUnavailableException>(async () => await topic.PublishAsync("during", cancellationToken: cancellationToken));
        Assert.That(failed!.LocalDeliveries, Is.EqualTo(1));
        Assert.That(await onA.ReadTextsAsync(1, cancellationToken), Is.EqualTo(new[] { "0@ during" }), "local delivery goes on");

        await redis.RestartAsync(cancellationToken);

        // The backplane reconnects by itself; each node says when its subscriptions are live again.
        await a.Server.BackplaneConnected.FirstAsync(up => up).ToTask(cancellationToken);
        await b.Server.BackplaneConnected.FirstAsync(up => up).ToTask(cancellationToken);
        await topic.PublishAsync("after", cancellationToken: cancellationToken);

        Assert.That(MemberReads.Parse((await onA.ReadTextsAsync(1, cancellationToken))[0]).Text, Is.EqualTo("after"));
        var afterOnB = MemberReads.Parse((await onB.ReadTextsAsync(1, cancellationToken))[0]);
        Assert.That(afterOnB.Text, Is.EqualTo("after"));
        Assert.That(afterOnB.Position.Epoch, Is.Not.EqualTo(before.Epoch), "Redis came back empty: a new epoch");
        Assert.That(afterOnB.Position.Offset, Is.EqualTo(1));

        // Presence is right again: each node wrote its members back.
        while (await topic.GetMemberCountAsync(cancellationToken) != 2)
        {
            await a.Backplane.TickAsync();
            await b.Backplane.TickAsync();
        }

        var (late, join) = await b.JoinAsync("feed", cancellationToken, since: before);
        Assert.That(join.Gap?.Reason, Is.EqualTo(TopicGapReason.EpochChanged), "the old position means nothing in the new epoch");
        await late.DisposeAsync();
    }

    [Test, CancelAfter(60_000)]
    public async Task JoinAsync_SubscriptionFailedDuringAnOutage_IsMadeAgainOnceRedisIsBack(CancellationToken cancellationToken)
    {
        await using var redis = await RedisServer.StartAsync(cancellationToken);
        await using var a = await TopicNode.StartAsync(redis, cancellationToken);
        var (connected, _) = await a.JoinAsync("lobby", cancellationToken);
        await using var __ = connected;
        var member = a.Server.Clients.Single();
        await redis.StopAsync();
        Assert.That((await connected.ReadTextsAsync(1, cancellationToken))[0], Does.StartWith("gap BackplaneLost"), "the lobby's gap");

        await Assert.ThrowsAsync<BackplaneUnavailableException>(async () => await a.Server.Topic("fresh").JoinAsync(member, cancellationToken: cancellationToken));

        await redis.RestartAsync(cancellationToken);
        await a.Server.BackplaneConnected.FirstAsync(up => up).ToTask(cancellationToken);
        var join = await a.Server.Topic("fresh").JoinAsync(member, cancellationToken: cancellationToken);
        await a.Server.Topic("fresh").PublishAsync("after", cancellationToken: cancellationToken);

        Assert.That(join.Joined, Is.True);
        Assert.That(MemberReads.Parse((await connected.ReadTextsAsync(1, cancellationToken))[0]).Text, Is.EqualTo("after"));
    }

    [Test, CancelAfter(30_000)]
    public async Task StartAsync_RedisUnreachable_ThrowsBackplaneUnavailableAndListensNowhere(CancellationToken cancellationToken)
    {
        var port = RedisServer.FreePort();
        var options = new WebSocketServerOptions
        {
            Backplane = new RedisBackplane(new RedisBackplaneOptions { Configuration = $"127.0.0.1:{port}", ConnectTimeout = TimeSpan.FromSeconds(1) }),
        };

        var error = await Assert.ThrowsAsync<BackplaneUnavailableException>(async () => await WebSocketServer.StartAsync(options, cancellationToken));

        Assert.That(error!.Message, Does.Contain($"127.0.0.1:{port}"));
    }

    [Test, CancelAfter(60_000)]
    public async Task ResumableSession_ComingBackOnAnotherNode_IsToldPlainlyThatTheSessionIsFresh(CancellationToken cancellationToken)
    {
        await using var redis = await RedisServer.StartAsync(cancellationToken);
        await using var a = await TopicNode.StartAsync(redis, cancellationToken, configure: options => options.Resume = new ResumeOptions());
        await using var b = await TopicNode.StartAsync(redis, cancellationToken, configure: options => options.Resume = new ResumeOptions());
        using var sessionsA = a.Server.Sessions.Subscribe(session => _ = session.SendAsync(Message.Text("from a")).AsTask());
        using var sessionsB = b.Server.Sessions.Subscribe(session => _ = session.SendAsync(Message.Text("from b")).AsTask());
        var clientOptions = new WebSocketClientOptions { Resume = new ResumeOptions() };
        var reconnect = new ReconnectOptions { ReconnectDelay = TimeSpan.FromMilliseconds(10), MaxReconnectDelay = TimeSpan.FromMilliseconds(100) };
        await using var client = new WebSocketClient(new Uri(a.Server.Url, "/s"), clientOptions, reconnect);
        var reconnected = client.Events.OfType<ClientReconnected>().FirstAsync().ToTask(cancellationToken);
        var received = client.Incoming.Take(2).Select(message => message.GetText()).ToList().ToTask(cancellationToken);
        var fromA = client.Incoming.FirstAsync().ToTask(cancellationToken);
        await client.StartAsync(cancellationToken);
        await fromA;   // the session on node a is up and has delivered

        client.Url = new Uri(b.Server.Url, "/s");   // the load balancer sends it elsewhere next time
        foreach (var connection in a.Server.Clients)
        {
            connection.Abort();   // the node drops it abruptly, as a crash would
        }

        var resumed = await reconnected;

        Assert.That(resumed.Resumed, Is.False, "node b never knew the session: it says so instead of resuming with a silent gap");
        Assert.That(await received, Is.EqualTo(new[] { "from a", "from b" }), "then the fresh session on node b");
    }
}
