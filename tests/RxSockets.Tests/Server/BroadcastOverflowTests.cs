using RxSockets.Tests.Support;

namespace RxSockets.Tests.Server;

/// <summary>A member whose write loop is stuck in its first flush (a <see cref="GatedPipeWriter"/>), so its send
/// queue fills exactly as the test publishes.</summary>
public class BroadcastOverflowTests
{
    [Test, CancelAfter(5_000)]
    public async Task PublishAsync_DropNewestOverBudget_SkipsNewAndCountsEverywhere(CancellationToken cancellationToken)
    {
        var (server, slow, peer, gate, topic) = await StuckMemberAsync(BroadcastOverflow.DropNewest, cancellationToken);
        await using var _ = server;

        var queued = await PublishAsync(topic, ["m1", "m2", "m3", "m4"], cancellationToken);
        gate.ReleaseFirstFlush();

        Assert.That(queued, Is.EqualTo(new[] { 1, 1, 0, 0 }));
        Assert.That(await ReadTextsAsync(peer, 3, cancellationToken), Is.EqualTo(new[] { "m0", "m1", "m2" }));
        Assert.That((slow.DroppedOutgoing, topic.DroppedMessages, server.DroppedBroadcasts), Is.EqualTo((2L, 2L, 2L)));
    }

    [Test, CancelAfter(5_000)]
    public async Task PublishAsync_DropOldestOverBudget_KeepsNewest(CancellationToken cancellationToken)
    {
        var (server, slow, peer, gate, topic) = await StuckMemberAsync(BroadcastOverflow.DropOldest, cancellationToken);
        await using var _ = server;

        var queued = await PublishAsync(topic, ["m1", "m2", "m3", "m4"], cancellationToken);
        gate.ReleaseFirstFlush();

        Assert.That(queued, Is.EqualTo(new[] { 1, 1, 1, 1 }));
        Assert.That(await ReadTextsAsync(peer, 3, cancellationToken), Is.EqualTo(new[] { "m0", "m3", "m4" }));
        Assert.That((slow.DroppedOutgoing, topic.DroppedMessages), Is.EqualTo((2L, 2L)));
    }

    [Test, CancelAfter(5_000)]
    public async Task PublishAsync_DropOldest_NeverEvictsTheConnectionsOwnSends(CancellationToken cancellationToken)
    {
        var (server, slow, peer, gate, topic) = await StuckMemberAsync(BroadcastOverflow.DropOldest, cancellationToken);
        await using var _ = server;

        await slow.SendAsync("own1", cancellationToken);
        await slow.SendAsync("own2", cancellationToken);
        var queued = await topic.PublishAsync("m1", cancellationToken: cancellationToken);
        gate.ReleaseFirstFlush();

        Assert.That(queued, Is.Zero);
        Assert.That(await ReadTextsAsync(peer, 3, cancellationToken), Is.EqualTo(new[] { "m0", "own1", "own2" }));
        Assert.That(slow.DroppedOutgoing, Is.EqualTo(1));
    }

    [Test, CancelAfter(5_000)]
    public async Task PublishAsync_DisconnectOverBudget_ClosesWith1013(CancellationToken cancellationToken)
    {
        var (server, slow, peer, gate, topic) = await StuckMemberAsync(BroadcastOverflow.Disconnect, cancellationToken);
        await using var _ = server;

        await PublishAsync(topic, ["m1", "m2", "m3"], cancellationToken);
        gate.ReleaseFirstFlush();

        Assert.That(await peer.ExpectTextAsync(cancellationToken), Is.EqualTo("m0"));
        var status = await peer.ExpectCloseAsync(cancellationToken);   // m1 and m2 are discarded: it failed fast
        Assert.That(status?.Code, Is.EqualTo(CloseCode.TryAgainLater));
        Assert.That(topic.DroppedMessages, Is.EqualTo(1));
        Assert.That(slow.State, Is.Not.EqualTo(ConnectionState.Open));
    }

    [Test, CancelAfter(5_000)]
    public async Task PublishAsync_WaitOverBudget_CompletesOnceRoomIsMade(CancellationToken cancellationToken)
    {
        var (server, _, peer, gate, topic) = await StuckMemberAsync(BroadcastOverflow.Wait, cancellationToken);
        await using var __ = server;
        await PublishAsync(topic, ["m1", "m2"], cancellationToken);

        var third = topic.PublishAsync("m3", cancellationToken: cancellationToken).AsTask();
        var waitedWhileStuck = !third.IsCompleted;
        gate.ReleaseFirstFlush();

        Assert.That(waitedWhileStuck, Is.True);
        Assert.That(await third, Is.EqualTo(1));
        Assert.That(await ReadTextsAsync(peer, 4, cancellationToken), Is.EqualTo(new[] { "m0", "m1", "m2", "m3" }));
    }

    [Test, CancelAfter(5_000)]
    public async Task BroadcastAsync_ByteBudget_DropsWhatWouldExceedIt(CancellationToken cancellationToken)
    {
        var (server, slow, peer, gate, _) = await StuckMemberAsync(BroadcastOverflow.DropNewest, cancellationToken, byteLimit: 10);
        await using var __ = server;

        var first = await server.BroadcastAsync(Message.Text("sixsix"), cancellationToken: cancellationToken);
        var second = await server.BroadcastAsync(Message.Text("sixsix"), cancellationToken: cancellationToken);
        var small = await server.BroadcastAsync(Message.Text("four"), cancellationToken: cancellationToken);
        gate.ReleaseFirstFlush();

        Assert.That((first, second, small), Is.EqualTo((1, 0, 1)));
        Assert.That(await ReadTextsAsync(peer, 3, cancellationToken), Is.EqualTo(new[] { "m0", "sixsix", "four" }));
        Assert.That((slow.DroppedOutgoing, server.DroppedBroadcasts), Is.EqualTo((1L, 1L)));
    }

    [Test]
    public void Options_BroadcastQueueLimitAboveSendQueue_ThrowsNamingIt()
    {
        var options = new WebSocketServerOptions { SendQueueCapacity = 4, BroadcastQueueLimit = 5 };

        var error = Assert.Throws<ArgumentException>(() => WebSocketServer.CreateDetached(options));

        Assert.That(error?.ParamName, Is.EqualTo(nameof(WebSocketServerOptions.BroadcastQueueLimit)));
    }

    private static async Task<(WebSocketServer Server, WebSocketConnection Slow, RawPeer Peer, GatedPipeWriter Gate, WebSocketTopic Topic)> StuckMemberAsync(
        BroadcastOverflow overflow, CancellationToken cancellationToken, long byteLimit = 0)
    {
        var server = Detached.Server(configure: o =>
        {
            o.BroadcastOverflow = overflow;
            o.BroadcastQueueLimit = 2;
            o.BroadcastByteLimit = byteLimit;
        });
        GatedPipeWriter? gate = null;
        var (slow, peer) = await Detached.OpenAsync(server, cancellationToken, output => gate = new GatedPipeWriter(output));
        var topic = server.Topic("feed");
        topic.Join(slow);
        await topic.PublishAsync("m0", cancellationToken: cancellationToken);
        await gate!.FirstFlushStarted.WaitAsync(cancellationToken);   // set by OpenAsync just above
        return (server, slow, peer, gate, topic);
    }

    private static async Task<int[]> PublishAsync(WebSocketTopic topic, string[] texts, CancellationToken cancellationToken)
    {
        var queued = new List<int>();
        foreach (var text in texts)
        {
            queued.Add(await topic.PublishAsync(text, cancellationToken: cancellationToken));
        }

        return [.. queued];
    }

    private static async Task<string[]> ReadTextsAsync(RawPeer peer, int count, CancellationToken cancellationToken)
    {
        var texts = new List<string>();
        for (var i = 0; i < count; i++)
        {
            texts.Add(await peer.ExpectTextAsync(cancellationToken));
        }

        return [.. texts];
    }
}
