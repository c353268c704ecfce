using RxSockets.Tests.Support;

namespace RxSockets.Tests.Topics;

public class WebSocketTopicTests
{
    [Test, CancelAfter(5_000)]
    public async Task PublishAsync_ExceptSender_ReachesEveryOtherMember(CancellationToken cancellationToken)
    {
        await using var server = Detached.Server();
        var (alice, alicePeer) = await Detached.OpenAsync(server, cancellationToken);
        var (bob, bobPeer) = await Detached.OpenAsync(server, cancellationToken);
        var (carol, carolPeer) = await Detached.OpenAsync(server, cancellationToken);
        var room = server.Topic("room");
        room.Join(alice);
        room.Join(bob);
        room.Join(carol);

        var delivered = await room.PublishAsync("alice is typing", except: alice, cancellationToken);
        await room.PublishAsync("hello all", cancellationToken: cancellationToken);

        Assert.That(delivered, Is.EqualTo(2));
        Assert.That(await bobPeer.ExpectTextAsync(cancellationToken), Is.EqualTo("alice is typing"));
        Assert.That(await carolPeer.ExpectTextAsync(cancellationToken), Is.EqualTo("alice is typing"));
        Assert.That(await alicePeer.ExpectTextAsync(cancellationToken), Is.EqualTo("hello all"));   // the first it sees
    }

    [Test, CancelAfter(5_000)]
    public async Task Membership_JoinAndLeave_ReportsEachChangeWithCount(CancellationToken cancellationToken)
    {
        await using var server = Detached.Server();
        var (alice, _) = await Detached.OpenAsync(server, cancellationToken);
        var (bob, _) = await Detached.OpenAsync(server, cancellationToken);
        var room = server.Topic("room");
        var changes = new RecordingObserver<TopicMembershipChange>();
        using var subscription = room.Membership.Subscribe(changes);

        var joined = room.Join(alice);
        var joinedTwice = room.Join(alice);
        room.Join(bob);
        var left = room.Leave(alice);
        var leftTwice = room.Leave(alice);

        Assert.That((joined, joinedTwice, left, leftTwice), Is.EqualTo((true, false, true, false)));
        Assert.That(changes.Values.Select(c => (c.Member.ConnectionId, c.Joined, c.Count)),
            Is.EqualTo(new[] { (alice.Id, true, 1), (bob.Id, true, 2), (alice.Id, false, 1) }));
        Assert.That(room.Members, Is.EqualTo(new[] { bob }));
        Assert.That(room.Contains(alice), Is.False);
    }

    [Test, CancelAfter(5_000)]
    public async Task Join_ConnectionCloses_LeavesEveryTopic(CancellationToken cancellationToken)
    {
        await using var server = Detached.Server();
        var (alice, alicePeer) = await Detached.OpenAsync(server, cancellationToken);
        var (bob, _) = await Detached.OpenAsync(server, cancellationToken);
        var prices = server.Topic("prices");
        var news = server.Topic("news");
        prices.Join(alice);
        prices.Join(bob);
        news.Join(alice);
        var aliceLeft = InMemory.NextAsync(prices.Membership, cancellationToken);

        await alicePeer.SendCloseAsync(CloseCode.NormalClosure, "bye", cancellationToken);
        var change = await aliceLeft;

        Assert.That((change.Connection, change.Joined, change.Count), Is.EqualTo((alice, false, 1)));
        await Until.TrueAsync(() => news.Count == 0, cancellationToken);
        Assert.That(prices.Members, Is.EqualTo(new[] { bob }));
        Assert.That(news.Join(alice), Is.False, "a closed connection cannot join");
    }

    [Test, CancelAfter(5_000)]
    public async Task Topic_SameName_ReturnsSameTopicUntilRemovedEmpty(CancellationToken cancellationToken)
    {
        await using var server = Detached.Server();
        var (alice, _) = await Detached.OpenAsync(server, cancellationToken);
        var room = server.Topic("room");
        room.Join(alice);

        var removedWhileOccupied = server.RemoveTopic("room");
        room.Leave(alice);
        var removedEmpty = server.RemoveTopic("room");

        Assert.That(server.Topic("room"), Is.Not.SameAs(room));
        Assert.That((removedWhileOccupied, removedEmpty), Is.EqualTo((false, true)));
        Assert.That(server.Topics.Select(t => t.Name), Is.EqualTo(new[] { "room" }));
    }

    [Test, CancelAfter(5_000)]
    public async Task PublishAsync_MembersNegotiatedDeflate_CompressesOnceForAll(CancellationToken cancellationToken)
    {
        await using var server = Detached.Server(configure: o => o.PerMessageDeflate = new PerMessageDeflateOptions());
        var offer = new KeyValuePair<string, string>("Sec-WebSocket-Extensions", "permessage-deflate");
        var (alice, alicePeer) = await Detached.OpenAsync(server, cancellationToken, extra: offer);
        var (bob, bobPeer) = await Detached.OpenAsync(server, cancellationToken, extra: offer);
        var room = server.Topic("room");
        room.Join(alice);
        room.Join(bob);

        await room.PublishAsync(new string('a', 4096), cancellationToken: cancellationToken);
        var aliceFrame = (await alicePeer.ReadFrameAsync(cancellationToken, allowedRsv: 0x4)).GetValueOrDefault();   // RSV1: compressed
        var bobFrame = (await bobPeer.ReadFrameAsync(cancellationToken, allowedRsv: 0x4)).GetValueOrDefault();

        Assert.That(alice.Extensions, Does.StartWith("permessage-deflate"));
        Assert.That((aliceFrame.Header.Opcode, aliceFrame.Header.Rsv1, bobFrame.Header.Rsv1), Is.EqualTo((RxSockets.Protocol.Frames.Opcode.Text, true, true)));
        Assert.That(aliceFrame.Payload.Length, Is.LessThan(4096));
        Assert.That(bobFrame.Payload, Is.EqualTo(aliceFrame.Payload), "one compression, shared");
    }
}
