using System.Text;
using RxSockets.Scaling;
using RxSockets.Tests.Support;

namespace RxSockets.Tests.Scaling;

/// <summary>The server's cluster behaviour over the seam, with two or three detached nodes sharing one
/// <see cref="InProcessCluster"/> (the Redis backplane has its own tests against a real redis-server).</summary>
public class InProcessClusterTests
{
    private static WebSocketServer Node(InProcessCluster cluster, string id, Action<WebSocketServerOptions>? configure = null) =>
        Detached.Server(configure: options =>
        {
            options.Backplane = new InProcessBackplane(cluster, id);
            configure?.Invoke(options);
        });

    private static Func<string, TopicOptions?> History(int size, Func<TopicPublication, Message>? format = null, Func<TopicGap, Message?>? notice = null) =>
        _ => new TopicOptions { HistorySize = size, Format = format, GapNotice = notice };

    private static Message Envelope(TopicPublication publication) =>
        Message.Text($"{publication.Offset}:{Encoding.UTF8.GetString(publication.Message.Data.Span)}");

    [Test, CancelAfter(10_000)]
    public async Task PublishAsync_OnOneNode_ReachesMembersOfEveryNodeInOrderButTheSender(CancellationToken cancellationToken)
    {
        var cluster = new InProcessCluster();
        await using var a = Node(cluster, "a");
        await using var b = Node(cluster, "b");
        var (alice, alicePeer) = await Detached.OpenAsync(a, cancellationToken);
        var (carol, carolPeer) = await Detached.OpenAsync(a, cancellationToken);
        var (bob, bobPeer) = await Detached.OpenAsync(b, cancellationToken);
        await a.Topic("room").JoinAsync(alice, cancellationToken: cancellationToken);
        await a.Topic("room").JoinAsync(carol, cancellationToken: cancellationToken);
        await b.Topic("room").JoinAsync(bob, cancellationToken: cancellationToken);

        var local = await a.Topic("room").PublishAsync("one", except: alice, cancellationToken);
        await a.Topic("room").PublishAsync("two", cancellationToken: cancellationToken);

        Assert.That(local, Is.EqualTo(1), "this node's members it was queued on: carol");
        Assert.That(await bobPeer.ExpectTextAsync(cancellationToken), Is.EqualTo("one"));
        Assert.That(await bobPeer.ExpectTextAsync(cancellationToken), Is.EqualTo("two"));
        Assert.That(await carolPeer.ExpectTextAsync(cancellationToken), Is.EqualTo("one"));
        Assert.That(await alicePeer.ExpectTextAsync(cancellationToken), Is.EqualTo("two"), "the sender is skipped");
        Assert.That(b.Topic("room").Position, Is.EqualTo(a.Topic("room").Position));
        Assert.That(a.Topic("room").Position.Offset, Is.EqualTo(2));
    }

    [Test, CancelAfter(10_000)]
    public async Task Format_ReceivesEachPublicationWithItsOffset_OncePerNode(CancellationToken cancellationToken)
    {
        var cluster = new InProcessCluster();
        var formatted = 0;
        Message Count(TopicPublication publication)
        {
            Interlocked.Increment(ref formatted);
            return Envelope(publication);
        }

        await using var a = Node(cluster, "a", options => options.ConfigureTopic = History(0, Count));
        await using var b = Node(cluster, "b", options => options.ConfigureTopic = History(0, Count));
        var peers = new List<RawPeer>();
        foreach (var node in new[] { a, a, b, b })
        {
            var (connection, peer) = await Detached.OpenAsync(node, cancellationToken);
            await node.Topic("prices").JoinAsync(connection, cancellationToken: cancellationToken);
            peers.Add(peer);
        }

        await b.Topic("prices").PublishAsync("x", cancellationToken: cancellationToken);
        await a.Topic("prices").PublishAsync("y", cancellationToken: cancellationToken);

        foreach (var peer in peers)
        {
            Assert.That(await peer.ExpectTextAsync(cancellationToken), Is.EqualTo("1:x"));
            Assert.That(await peer.ExpectTextAsync(cancellationToken), Is.EqualTo("2:y"));
        }

        Assert.That(formatted, Is.EqualTo(4), "two publications, framed once on each of two nodes");
    }

    [Test, CancelAfter(10_000)]
    public async Task JoinAsync_FromPosition_RecoversWhatWasMissedOnAnotherNodeThenGoesLive(CancellationToken cancellationToken)
    {
        var cluster = new InProcessCluster();
        await using var a = Node(cluster, "a", options => options.ConfigureTopic = History(100, Envelope));
        await using var b = Node(cluster, "b", options => options.ConfigureTopic = History(100, Envelope));
        for (var i = 1; i <= 5; i++)
        {
            await a.Topic("feed").PublishAsync($"m{i}", cancellationToken: cancellationToken);
        }

        var (bob, bobPeer) = await Detached.OpenAsync(b, cancellationToken);
        var epoch = a.Topic("feed").Position.Epoch;
        var result = await b.Topic("feed").JoinAsync(bob, new TopicPosition(2, epoch), cancellationToken);
        await a.Topic("feed").PublishAsync("m6", cancellationToken: cancellationToken);

        Assert.That(result, Is.EqualTo(new TopicJoinResult(true, 3, new TopicPosition(5, epoch), null)));
        foreach (var expected in new[] { "3:m3", "4:m4", "5:m5", "6:m6" })
        {
            Assert.That(await bobPeer.ExpectTextAsync(cancellationToken), Is.EqualTo(expected));
        }
    }

    [Test, CancelAfter(30_000)]
    public async Task JoinAsync_WhilePublishing_NoGapAndNoDuplicate(CancellationToken cancellationToken)
    {
        var cluster = new InProcessCluster();
        await using var a = Node(cluster, "a", options => options.ConfigureTopic = History(10_000, Envelope));
        await using var b = Node(cluster, "b", options => options.ConfigureTopic = History(10_000, Envelope));
        const int total = 2_000;
        var publishing = Task.Run(async () =>
        {
            for (var i = 1; i <= total; i++)
            {
                await a.Topic("ticks").PublishAsync($"{i}", cancellationToken: cancellationToken);
            }
        }, cancellationToken);

        // Join from the start while the publisher runs, so some come from the history and the rest live.
        await Until.TrueAsync(() => a.Topic("ticks").Position.Offset >= 100, cancellationToken);
        var (bob, bobPeer) = await Detached.OpenAsync(b, cancellationToken);
        var result = await b.Topic("ticks").JoinAsync(bob, new TopicPosition(0, ""), cancellationToken);
        await publishing;

        Assert.That(result.Gap, Is.Null);
        for (var i = 1; i <= total; i++)
        {
            Assert.That(await bobPeer.ExpectTextAsync(cancellationToken), Is.EqualTo($"{i}:{i}"));
        }
    }

    [Test, CancelAfter(10_000)]
    public async Task JoinAsync_RecoveredFromHistoryBeforeItsLiveDeliveryArrived_SentOnce(CancellationToken cancellationToken)
    {
        // The history is written before the nodes are told: a member that recovers in between reads the publication
        // from the history, goes live, and then meets the same publication's live delivery — it must pass it over.
        var cluster = new InProcessCluster();
        await using var a = Node(cluster, "a", options => options.ConfigureTopic = History(100, Envelope));
        var gated = new GatedBackplane(cluster, "b");
        await using var b = Detached.Server(configure: options =>
        {
            options.Backplane = gated;
            options.ConfigureTopic = History(100, Envelope);
        });
        await b.ConnectBackplaneAsync(cancellationToken);
        var (watcher, watcherPeer) = await Detached.OpenAsync(b, cancellationToken);
        await b.Topic("feed").JoinAsync(watcher, cancellationToken: cancellationToken);   // node b now takes the topic's publications

        gated.Close();
        var first = a.Topic("feed").PublishAsync("m1", cancellationToken: cancellationToken).AsTask();
        await gated.Waiting.Task.WaitAsync(cancellationToken);   // m1 is in the history, not yet delivered on node b
        var (bob, bobPeer) = await Detached.OpenAsync(b, cancellationToken);
        var result = await b.Topic("feed").JoinAsync(bob, new TopicPosition(0, ""), cancellationToken);
        gated.Reopen();
        await first;
        await a.Topic("feed").PublishAsync("m2", cancellationToken: cancellationToken);

        Assert.That((result.Recovered, result.Gap), Is.EqualTo((1, (TopicGap?)null)));
        Assert.That(await bobPeer.ExpectTextAsync(cancellationToken), Is.EqualTo("1:m1"));
        Assert.That(await bobPeer.ExpectTextAsync(cancellationToken), Is.EqualTo("2:m2"));
        Assert.That(await watcherPeer.ExpectTextAsync(cancellationToken), Is.EqualTo("1:m1"));
        Assert.That(await watcherPeer.ExpectTextAsync(cancellationToken), Is.EqualTo("2:m2"));
    }

    [Test, CancelAfter(10_000)]
    public async Task JoinAsync_HistoryTrimmed_ReportsTheGapExplicitlyAndGoesLive(CancellationToken cancellationToken)
    {
        var cluster = new InProcessCluster();
        Func<TopicGap, Message?> notice = gap => Message.Text($"gap {gap.Reason} {gap.LastPosition.Offset}->{gap.CurrentPosition.Offset}");
        await using var a = Node(cluster, "a", options => options.ConfigureTopic = History(3, Envelope, notice));
        for (var i = 1; i <= 10; i++)
        {
            await a.Topic("feed").PublishAsync($"m{i}", cancellationToken: cancellationToken);
        }

        var (bob, bobPeer) = await Detached.OpenAsync(a, cancellationToken);
        var gaps = InMemory.NextAsync(a.Topic("feed").Gaps, cancellationToken);
        var epoch = a.Topic("feed").Position.Epoch;
        var result = await a.Topic("feed").JoinAsync(bob, new TopicPosition(4, epoch), cancellationToken);
        await a.Topic("feed").PublishAsync("m11", cancellationToken: cancellationToken);

        Assert.That(result.Gap, Is.Not.Null);
        Assert.That((result.Recovered, result.Gap!.Reason, result.Gap.LastPosition.Offset, result.Position.Offset),
            Is.EqualTo((0, TopicGapReason.HistoryTrimmed, 4L, 10L)));
        Assert.That((await gaps).Connection, Is.EqualTo(bob));
        Assert.That(await bobPeer.ExpectTextAsync(cancellationToken), Is.EqualTo("gap HistoryTrimmed 4->10"));
        Assert.That(await bobPeer.ExpectTextAsync(cancellationToken), Is.EqualTo("11:m11"));
    }

    [Test, CancelAfter(10_000)]
    public async Task JoinAsync_HistoryCoversExactlyTheGap_RecoversWithoutGap(CancellationToken cancellationToken)
    {
        var cluster = new InProcessCluster();
        await using var a = Node(cluster, "a", options => options.ConfigureTopic = History(3, Envelope));
        for (var i = 1; i <= 10; i++)
        {
            await a.Topic("feed").PublishAsync($"m{i}", cancellationToken: cancellationToken);
        }

        var (bob, bobPeer) = await Detached.OpenAsync(a, cancellationToken);
        var result = await a.Topic("feed").JoinAsync(bob, new TopicPosition(7, a.Topic("feed").Position.Epoch), cancellationToken);

        Assert.That((result.Recovered, result.Gap), Is.EqualTo((3, (TopicGap?)null)));
        Assert.That(await bobPeer.ExpectTextAsync(cancellationToken), Is.EqualTo("8:m8"));
    }

    [Test, CancelAfter(10_000)]
    public async Task JoinAsync_EpochChanged_ReportsEpochChanged(CancellationToken cancellationToken)
    {
        var cluster = new InProcessCluster();
        await using var a = Node(cluster, "a", options => options.ConfigureTopic = History(100));
        await a.Topic("feed").PublishAsync("m1", cancellationToken: cancellationToken);
        var before = a.Topic("feed").Position;
        cluster.LoseHistory("feed");
        await a.Topic("feed").PublishAsync("m2", cancellationToken: cancellationToken);

        var (bob, _) = await Detached.OpenAsync(a, cancellationToken);
        var result = await a.Topic("feed").JoinAsync(bob, before, cancellationToken);

        Assert.That(result.Gap?.Reason, Is.EqualTo(TopicGapReason.EpochChanged));
        Assert.That(result.Gap!.CurrentPosition.Epoch, Is.Not.EqualTo(before.Epoch));
    }

    [Test, CancelAfter(10_000)]
    public async Task HistoryTtl_ExpiredPublications_AreNotRecovered(CancellationToken cancellationToken)
    {
        var clock = new ManualClock();
        var cluster = new InProcessCluster(clock);
        await using var a = Node(cluster, "a", options => options.ConfigureTopic = _ => new TopicOptions { HistorySize = 100, HistoryTtl = TimeSpan.FromMinutes(1) });
        await a.Topic("feed").PublishAsync("old", cancellationToken: cancellationToken);
        var start = a.Topic("feed").Position with { Offset = 0 };
        clock.Advance(TimeSpan.FromMinutes(2));
        await a.Topic("feed").PublishAsync("new", cancellationToken: cancellationToken);

        var (bob, _) = await Detached.OpenAsync(a, cancellationToken);
        var (carol, carolPeer) = await Detached.OpenAsync(a, cancellationToken);
        var fromStart = await a.Topic("feed").JoinAsync(bob, start, cancellationToken);
        var fromOne = await a.Topic("feed").JoinAsync(carol, start with { Offset = 1 }, cancellationToken);

        Assert.That(fromStart.Gap?.Reason, Is.EqualTo(TopicGapReason.HistoryTrimmed), "'old' expired");
        Assert.That(fromOne.Gap, Is.Null);
        Assert.That(await carolPeer.ExpectTextAsync(cancellationToken), Is.EqualTo("new"));
    }

    [Test, CancelAfter(10_000)]
    public async Task Presence_MembersAndCountsSpanNodes_AndOtherNodesJoinsAreReported(CancellationToken cancellationToken)
    {
        var cluster = new InProcessCluster();
        await using var a = Node(cluster, "a");
        var b = Node(cluster, "b");
        var (alice, _) = await Detached.OpenAsync(a, cancellationToken);
        var (bob, _) = await Detached.OpenAsync(b, cancellationToken);
        var changes = new RecordingObserver<TopicMembershipChange>();
        using var subscription = a.Topic("room").Membership.Subscribe(changes);

        await a.Topic("room").JoinAsync(alice, cancellationToken: cancellationToken);
        await b.Topic("room").JoinAsync(bob, cancellationToken: cancellationToken);

        Assert.That(await a.Topic("room").GetMembersAsync(cancellationToken),
            Is.EquivalentTo(new[] { new ClusterMember("a", alice.Id), new ClusterMember("b", bob.Id) }));
        Assert.That(await b.Topic("room").GetMemberCountAsync(cancellationToken), Is.EqualTo(2));
        Assert.That(await a.GetClusterClientCountAsync(cancellationToken), Is.EqualTo(2));
        Assert.That((a.Topic("room").Count, b.Topic("room").Count), Is.EqualTo((1, 1)));

        await b.DisposeAsync();   // a node that goes away takes its members with it

        Assert.That(changes.Values.Select(change => (change.Member, change.Joined, change.IsLocal)), Is.EqualTo(new[]
        {
            (new ClusterMember("a", alice.Id), true, true),
            (new ClusterMember("b", bob.Id), true, false),
            (new ClusterMember("b", bob.Id), false, false),
        }));
        Assert.That(await a.Topic("room").GetMembersAsync(cancellationToken), Is.EqualTo(new[] { new ClusterMember("a", alice.Id) }));
    }

    [Test, CancelAfter(10_000)]
    public async Task BroadcastAsync_ReachesEveryNode_ExceptAndNamedFiltersHoldAcrossNodes_DelegateFiltersStayLocal(CancellationToken cancellationToken)
    {
        var cluster = new InProcessCluster();
        void Filters(WebSocketServerOptions options) =>
            options.BroadcastFilters["admins"] = connection => connection.Request?.Path == "/" && connection.Id % 2 == 0;
        await using var a = Node(cluster, "a", Filters);
        await using var b = Node(cluster, "b", Filters);
        var (sender, senderPeer) = await Detached.OpenAsync(a, cancellationToken);
        var (_, localPeer) = await Detached.OpenAsync(a, cancellationToken);
        var (_, remotePeer) = await Detached.OpenAsync(b, cancellationToken);

        await a.BroadcastAsync(Message.Text("everyone"), cancellationToken: cancellationToken);
        await a.BroadcastAsync(Message.Text("not the sender"), except: sender, cancellationToken: cancellationToken);
        await a.BroadcastAsync(Message.Text("local only"), connection => connection != sender, cancellationToken);
        await a.BroadcastAsync(Message.Text("last"), except: null, cancellationToken: cancellationToken);

        Assert.That(await senderPeer.ExpectTextAsync(cancellationToken), Is.EqualTo("everyone"));
        Assert.That(await senderPeer.ExpectTextAsync(cancellationToken), Is.EqualTo("last"));
        Assert.That(await localPeer.ExpectTextAsync(cancellationToken), Is.EqualTo("everyone"));
        Assert.That(await localPeer.ExpectTextAsync(cancellationToken), Is.EqualTo("not the sender"));
        Assert.That(await localPeer.ExpectTextAsync(cancellationToken), Is.EqualTo("local only"));
        Assert.That(await localPeer.ExpectTextAsync(cancellationToken), Is.EqualTo("last"));
        Assert.That(await remotePeer.ExpectTextAsync(cancellationToken), Is.EqualTo("everyone"));
        Assert.That(await remotePeer.ExpectTextAsync(cancellationToken), Is.EqualTo("not the sender"));
        Assert.That(await remotePeer.ExpectTextAsync(cancellationToken), Is.EqualTo("last"), "the delegate-filtered one stayed on node a");
    }

    [Test, CancelAfter(10_000)]
    public async Task BroadcastAsync_NamedFilter_EachNodeRunsItsOwnOverItsOwnConnections(CancellationToken cancellationToken)
    {
        var cluster = new InProcessCluster();
        var ran = new System.Collections.Concurrent.ConcurrentBag<string>();
        WebSocketServer Make(string id) => Node(cluster, id, options => options.BroadcastFilters["vip"] = connection =>
        {
            ran.Add(id);
            return connection.Request?.GetHeader("X-Vip") == "1";
        });
        await using var a = Make("a");
        await using var b = Make("b");
        var (_, plainPeer) = await Detached.OpenAsync(b, cancellationToken);
        var (_, vipPeer) = await Detached.OpenAsync(b, cancellationToken, extra: new KeyValuePair<string, string>("X-Vip", "1"));

        await a.BroadcastAsync(Message.Text("for vips"), except: null, filter: "vip", cancellationToken);
        await a.BroadcastAsync(Message.Text("for all"), cancellationToken: cancellationToken);

        Assert.That(await vipPeer.ExpectTextAsync(cancellationToken), Is.EqualTo("for vips"));
        Assert.That(await plainPeer.ExpectTextAsync(cancellationToken), Is.EqualTo("for all"));
        Assert.That(ran.Distinct(), Is.EquivalentTo(new[] { "b" }), "node a has no connections to filter");
        await Assert.ThrowsAsync<ArgumentException>(async () => await a.BroadcastAsync(Message.Text("x"), except: null, filter: "nope", cancellationToken));
    }

    [Test, CancelAfter(10_000)]
    public async Task PublishAsync_AfterTheServerStopped_ThrowsObjectDisposedInsteadOfWaiting(CancellationToken cancellationToken)
    {
        var server = Detached.Server();
        var (alice, _) = await Detached.OpenAsync(server, cancellationToken);
        var room = server.Topic("room");
        await room.JoinAsync(alice, cancellationToken: cancellationToken);

        await server.StopAsync(cancellationToken);

        await Assert.ThrowsAsync<ObjectDisposedException>(async () => await room.PublishAsync("too late", cancellationToken: cancellationToken));
    }

    [Test, CancelAfter(10_000)]
    public async Task JoinAsync_MoreLivePublicationsThanTheRecoveryBuffer_LetsThemGoAndReadsThemAgainFromTheHistory(CancellationToken cancellationToken)
    {
        var (a, gated, result, epoch, bobPeer) = await JoinWhileEightArriveAsync(
            new TopicOptions { HistorySize = 100, Format = Envelope, RecoveryBufferSize = 3 }, cancellationToken);
        await using var _ = a;

        Assert.That((result.Gap, result.Recovered, result.Position.Offset), Is.EqualTo(((TopicGap?)null, 10, 10L)));
        Assert.That(gated.Reads, Is.EqualTo(new[] { new TopicPosition(0, epoch), new TopicPosition(2, epoch) }),
            "past 3 held publications they are let go and read again from where the first page ended");
        for (var i = 1; i <= 11; i++)
        {
            Assert.That(await bobPeer.ExpectTextAsync(cancellationToken), Is.EqualTo($"{i}:m{i}"), "each once, in order");
        }
    }

    [Test, CancelAfter(10_000)]
    public async Task JoinAsync_RecoveryBufferOverflowsAndTheHistoryNoLongerHasThem_ReportsTheGap(CancellationToken cancellationToken)
    {
        Func<TopicGap, Message?> notice = gap => Message.Text($"gap {gap.Reason} {gap.LastPosition.Offset}->{gap.CurrentPosition.Offset}");
        var (a, _, result, _, bobPeer) = await JoinWhileEightArriveAsync(
            new TopicOptions { HistorySize = 4, Format = Envelope, GapNotice = notice, RecoveryBufferSize = 2 }, cancellationToken);
        await using var _ = a;

        Assert.That(result.Gap, Is.Not.Null, "never a silent gap");
        Assert.That((result.Gap!.Reason, result.Gap.LastPosition.Offset, result.Position.Offset), Is.EqualTo((TopicGapReason.HistoryTrimmed, 2L, 10L)));
        Assert.That(await bobPeer.ExpectTextAsync(cancellationToken), Is.EqualTo("1:m1"));
        Assert.That(await bobPeer.ExpectTextAsync(cancellationToken), Is.EqualTo("2:m2"));
        Assert.That(await bobPeer.ExpectTextAsync(cancellationToken), Is.EqualTo("gap HistoryTrimmed 2->10"));
        Assert.That(await bobPeer.ExpectTextAsync(cancellationToken), Is.EqualTo("11:m11"));
    }

    /// <summary>One node whose topic "feed" (with <paramref name="topic"/>'s options) has m1 and m2; bob joins from the
    /// start: his first history page (m1, m2) is taken, then held back while m3…m10 come live for him; m11 follows his
    /// join.</summary>
    private static async Task<(WebSocketServer Server, HistoryGateBackplane Backplane, TopicJoinResult Result, string Epoch, RawPeer Bob)>
        JoinWhileEightArriveAsync(TopicOptions topic, CancellationToken cancellationToken)
    {
        var gated = new HistoryGateBackplane(new InProcessBackplane(new InProcessCluster(), "a"));
        var a = Detached.Server(configure: options =>
        {
            options.Backplane = gated;
            options.ConfigureTopic = _ => topic;
        });
        try
        {
            await a.ConnectBackplaneAsync(cancellationToken);
            var feed = a.Topic("feed");
            await feed.PublishAsync("m1", cancellationToken: cancellationToken);
            await feed.PublishAsync("m2", cancellationToken: cancellationToken);
            var epoch = feed.Position.Epoch;
            var (bob, bobPeer) = await Detached.OpenAsync(a, cancellationToken);
            var joining = feed.JoinAsync(bob, new TopicPosition(0, epoch), cancellationToken).AsTask();
            await gated.FirstRead.WaitAsync(cancellationToken);
            for (var i = 3; i <= 10; i++)
            {
                await feed.PublishAsync($"m{i}", cancellationToken: cancellationToken);
            }

            gated.Open();
            var result = await joining;
            await feed.PublishAsync("m11", cancellationToken: cancellationToken);
            return (a, gated, result, epoch, bobPeer);
        }
        catch
        {
            await a.DisposeAsync();
            throw;
        }
    }

    [TestCase(0, 1L, "RecoveryBufferSize")]
    [TestCase(1, 0L, "RecoveryBufferBytes")]
    public void ConfigureTopic_InvalidRecoveryBuffer_ThrowsNamingTheProperty(int size, long bytes, string property)
    {
        var server = Detached.Server(configure: options =>
            options.ConfigureTopic = _ => new TopicOptions { RecoveryBufferSize = size, RecoveryBufferBytes = bytes });

        var error = Assert.Throws<ArgumentException>(() => server.Topic("bad"));

        Assert.That(error!.Message, Does.Contain(property));
    }

    [Test]
    public void ConfigureTopic_InvalidOptions_ThrowsNamingTheProperty()
    {
        var server = Detached.Server(configure: options => options.ConfigureTopic = _ => new TopicOptions { HistorySize = -1 });

        var error = Assert.Throws<ArgumentException>(() => server.Topic("bad"));

        Assert.That(error!.Message, Does.Contain("HistorySize"));
    }

    [Test]
    public void Backplane_SharedByTwoServers_SecondStartThrows()
    {
        var backplane = new InProcessBackplane();
        _ = Detached.Server(configure: options => options.Backplane = backplane);

        Assert.Throws<InvalidOperationException>(() => Detached.Server(configure: options => options.Backplane = backplane));
    }

    private sealed class ManualClock : TimeProvider
    {
        private long _ticks;

        public override long TimestampFrequency => TimeSpan.TicksPerSecond;

        public override long GetTimestamp() => Interlocked.Read(ref _ticks);

        public void Advance(TimeSpan by) => Interlocked.Add(ref _ticks, by.Ticks);
    }
}
