using RxSockets.Redis.Tests.Support;
using RxSockets.Scaling;

namespace RxSockets.Redis.Tests;

public class PresenceTests
{
    [Test, CancelAfter(60_000)]
    public async Task JoinAndLeave_TwoNodes_MembersCountsAndEventsOnTheOtherNode(CancellationToken cancellationToken)
    {
        await using var redis = await RedisServer.StartAsync(cancellationToken);
        await using var a = await TestNode.StartAsync(redis, cancellationToken, clients: 5);
        await using var b = await TestNode.StartAsync(redis, cancellationToken, clients: 7);

        await a.Backplane.JoinAsync("room", 1, cancellationToken);
        await a.Backplane.JoinAsync("room", 2, cancellationToken);
        await a.Backplane.JoinAsync("room", 2, cancellationToken);
        await b.Backplane.JoinAsync("room", 3, cancellationToken);
        await b.Backplane.JoinAsync("other|room", 4, cancellationToken);
        await b.Handler.WaitUntilAsync(h => h.Memberships.Count == 2, "node B hears node A's two joins");
        await a.Handler.WaitUntilAsync(h => h.Memberships.Count == 2, "node A hears node B's two joins");

        Assert.That(b.Handler.Memberships, Is.EqualTo(new[]
        {
            ("room", new ClusterMember(a.Id, 1), true),
            ("room", new ClusterMember(a.Id, 2), true),
        }));
        Assert.That(a.Handler.Memberships, Is.EqualTo(new[]
        {
            ("room", new ClusterMember(b.Id, 3), true),
            ("other|room", new ClusterMember(b.Id, 4), true),
        }));
        var expected = new[] { new ClusterMember(a.Id, 1), new ClusterMember(a.Id, 2), new ClusterMember(b.Id, 3) };
        Assert.That(await a.Backplane.GetMembersAsync("room", cancellationToken), Is.EquivalentTo(expected));
        Assert.That(await b.Backplane.GetMembersAsync("room", cancellationToken), Is.EquivalentTo(expected));
        Assert.That(await b.Backplane.GetMembersAsync("other|room", cancellationToken), Is.EqualTo(new[] { new ClusterMember(b.Id, 4) }));
        Assert.That(await a.Backplane.GetMemberCountAsync("room", cancellationToken), Is.EqualTo(3));
        Assert.That(await a.Backplane.GetMemberCountAsync("empty", cancellationToken), Is.Zero);
        Assert.That(await a.Backplane.GetClientCountAsync(cancellationToken), Is.EqualTo(12));

        await a.Backplane.LeaveAsync("room", 1, cancellationToken);
        await a.Backplane.LeaveAsync("room", 1, cancellationToken);
        await b.Handler.WaitUntilAsync(h => h.Memberships.Count == 3, "node B hears the leave");

        Assert.That(b.Handler.Memberships[2], Is.EqualTo(("room", new ClusterMember(a.Id, 1), false)));
        Assert.That(await b.Backplane.GetMemberCountAsync("room", cancellationToken), Is.EqualTo(2));

        a.Handler.LocalClientCount = 6;
        await a.Backplane.TickAsync();
        Assert.That(await b.Backplane.GetClientCountAsync(cancellationToken), Is.EqualTo(13));
    }

    [Test, CancelAfter(60_000)]
    public async Task DisposeAsync_Node_ItsMembersLeaveEverywhere(CancellationToken cancellationToken)
    {
        await using var redis = await RedisServer.StartAsync(cancellationToken);
        await using var a = await TestNode.StartAsync(redis, cancellationToken, clients: 1);
        var b = await TestNode.StartAsync(redis, cancellationToken, clients: 2);
        await b.Backplane.JoinAsync("room", 1, cancellationToken);
        await a.Handler.WaitUntilAsync(h => h.Memberships.Count == 1, "the join");

        await b.DisposeAsync();
        await b.DisposeAsync();
        await a.Handler.WaitUntilAsync(h => h.Memberships.Count == 2, "the leave of the disposed node's member");

        Assert.That(a.Handler.Memberships[1], Is.EqualTo(("room", new ClusterMember(b.Id, 1), false)));
        Assert.That(await a.Backplane.GetMemberCountAsync("room", cancellationToken), Is.Zero);
        Assert.That(await a.Backplane.GetClientCountAsync(cancellationToken), Is.EqualTo(1));
        await Assert.ThrowsAsync<ObjectDisposedException>(async () => await b.Backplane.JoinAsync("room", 2, cancellationToken));
    }

    [Test, CancelAfter(60_000)]
    public async Task DeadNode_NoHeartbeatForTheTimeout_ReapedAndItsLeavesReported(CancellationToken cancellationToken)
    {
        static void Fast(RedisBackplaneOptions options)
        {
            options.HeartbeatInterval = TimeSpan.FromMilliseconds(200);
            options.NodeTimeout = TimeSpan.FromSeconds(1);
        }

        await using var redis = await RedisServer.StartAsync(cancellationToken);
        await using var a = await TestNode.StartAsync(redis, cancellationToken, Fast, clients: 3);
        await using var b = await TestNode.StartAsync(redis, cancellationToken, Fast, clients: 4);
        await using var c = await TestNode.StartAsync(redis, cancellationToken, Fast, clients: 5);
        await b.Backplane.JoinAsync("room", 1, cancellationToken);
        await b.Backplane.JoinAsync("lobby", 2, cancellationToken);
        await a.Backplane.JoinAsync("room", 3, cancellationToken);
        await a.Handler.WaitUntilAsync(h => h.Memberships.Count == 2, "node A hears node B's joins");
        await c.Handler.WaitUntilAsync(h => h.Memberships.Count == 3, "node C hears every join");

        await b.Backplane.CrashAsync();
        await a.Handler.WaitUntilAsync(h => h.Memberships.Count(m => !m.Joined) == 2, "node A reports the dead node's leaves");
        await c.Handler.WaitUntilAsync(h => h.Memberships.Count(m => !m.Joined) == 2, "node C reports the dead node's leaves");

        var leaves = new[] { ("room", new ClusterMember(b.Id, 1), false), ("lobby", new ClusterMember(b.Id, 2), false) };
        Assert.That(a.Handler.Memberships.Where(m => !m.Joined), Is.EquivalentTo(leaves));
        Assert.That(c.Handler.Memberships.Where(m => !m.Joined), Is.EquivalentTo(leaves));
        Assert.That(await a.Backplane.GetMembersAsync("room", cancellationToken), Is.EqualTo(new[] { new ClusterMember(a.Id, 3) }));
        Assert.That(await c.Backplane.GetMemberCountAsync("lobby", cancellationToken), Is.Zero);
        Assert.That(await c.Backplane.GetClientCountAsync(cancellationToken), Is.EqualTo(8));
    }

    [Test, CancelAfter(60_000)]
    public async Task StartAsync_SameNodeIdAfterACrash_RemovesTheGhostsOfTheLastRun(CancellationToken cancellationToken)
    {
        static void Fixed(RedisBackplaneOptions options)
        {
            options.NodeId = "node-7";
            options.NodeTimeout = TimeSpan.FromMinutes(5);
        }

        await using var redis = await RedisServer.StartAsync(cancellationToken);
        await using var a = await TestNode.StartAsync(redis, cancellationToken, clients: 1);
        var first = await TestNode.StartAsync(redis, cancellationToken, Fixed, clients: 10);
        await first.Backplane.JoinAsync("room", 1, cancellationToken);
        await first.Backplane.JoinAsync("room", 2, cancellationToken);
        await a.Handler.WaitUntilAsync(h => h.Memberships.Count == 2, "the first run's joins");
        await first.Backplane.CrashAsync();
        Assert.That(await a.Backplane.GetMemberCountAsync("room", cancellationToken), Is.EqualTo(2), "not yet timed out");

        await using var second = await TestNode.StartAsync(redis, cancellationToken, Fixed, clients: 4);
        await a.Handler.WaitUntilAsync(h => h.Memberships.Count == 4, "the leaves of the first run's members");
        await second.Backplane.JoinAsync("room", 1, cancellationToken);
        await a.Handler.WaitUntilAsync(h => h.Memberships.Count == 5, "the second run's join");

        Assert.That(a.Handler.Memberships.Skip(2), Is.EquivalentTo(new[]
        {
            ("room", new ClusterMember("node-7", 1), false),
            ("room", new ClusterMember("node-7", 2), false),
            ("room", new ClusterMember("node-7", 1), true),
        }));
        Assert.That(await a.Backplane.GetMembersAsync("room", cancellationToken), Is.EqualTo(new[] { new ClusterMember("node-7", 1) }));
        Assert.That(await a.Backplane.GetClientCountAsync(cancellationToken), Is.EqualTo(5));
    }

    [Test, CancelAfter(60_000)]
    public async Task BroadcastAsync_TwoNodes_ReachesTheOtherNodeButNotTheSender(CancellationToken cancellationToken)
    {
        await using var redis = await RedisServer.StartAsync(cancellationToken);
        await using var a = await TestNode.StartAsync(redis, cancellationToken);
        await using var b = await TestNode.StartAsync(redis, cancellationToken);

        for (var i = 0; i < 100; i++)
        {
            await a.Backplane.BroadcastAsync(new BackplaneMessage(Message.Text("hello " + i), a.Id, Except: 9, Filter: i == 0 ? "admins" : null), cancellationToken);
        }

        await b.Handler.WaitUntilAsync(h => h.Broadcasts.Count == 100, "node B gets node A's broadcasts");
        await b.Backplane.BroadcastAsync(new BackplaneMessage(Message.Binary(new byte[] { 1, 2 }), b.Id), cancellationToken);
        await a.Handler.WaitUntilAsync(h => h.Broadcasts.Count >= 1, "node A gets node B's broadcast");

        var first = b.Handler.Broadcasts[0];
        Assert.That(first.Message, Is.EqualTo(Message.Text("hello 0")));
        Assert.That(first.Node, Is.EqualTo(a.Id));
        Assert.That(first.Except, Is.EqualTo(9));
        Assert.That(first.Filter, Is.EqualTo("admins"));
        Assert.That(b.Handler.Broadcasts.Skip(1).All(m => m.Filter is null), Is.True);
        Assert.That(b.Handler.Broadcasts.Select(m => m.Message.GetText()), Is.EqualTo(Enumerable.Range(0, 100).Select(i => "hello " + i)));
        // Node A's own broadcasts went out on the same channel before node B's: had it delivered them, they came first.
        Assert.That(a.Handler.Broadcasts.Select(m => (m.Node, m.Message)), Is.EqualTo(new[] { (b.Id, Message.Binary(new byte[] { 1, 2 })) }));
    }
}
