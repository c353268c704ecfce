using Microsoft.Reactive.Testing;
using RxSockets.Tests.Support;

namespace RxSockets.Tests.Server;

/// <summary><see cref="BroadcastOverflow.Wait"/> is bounded by <see cref="WebSocketServerOptions.BroadcastWaitTimeout"/>
/// on the server's clock (virtual here): a member that never reads stalls the publisher for that long at most, then is
/// closed with 1013, while the other members keep receiving. The stuck member's writer is held in its first flush
/// (a <see cref="GatedPipeWriter"/>), so its send queue fills exactly as the test publishes.</summary>
public class BroadcastWaitBoundTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(5);

    [Test, CancelAfter(10_000)]
    public async Task PublishAsync_WaitDefault_StuckMemberClosedWith1013AfterTheBoundAndOthersKeepReceiving(CancellationToken cancellationToken)
    {
        var clock = new TestScheduler();
        await using var fixture = await StuckAndReaderAsync(clock, o => { }, cancellationToken);
        var (server, stuck, stuckPeer, gate, reader, readerPeer) = fixture;
        var topic = server.Topic("feed");
        topic.Join(stuck);
        topic.Join(reader);
        await topic.PublishAsync("m0", cancellationToken: cancellationToken);
        await gate.FirstFlushStarted.WaitAsync(cancellationToken);
        await topic.PublishAsync("m1", cancellationToken: cancellationToken);
        await topic.PublishAsync("m2", cancellationToken: cancellationToken);   // the stuck member's budget (2) is full
        var readerBefore = await ReadTextsAsync(readerPeer, 3, cancellationToken);   // the reader's queue is empty again

        var third = topic.PublishAsync("m3", cancellationToken: cancellationToken).AsTask();
        await Until.TrueAsync(() => clock.HasScheduledWork, cancellationToken);   // the bound's timer is armed
        var readerHadItWhileWaiting = readerBefore.Append(await readerPeer.ExpectTextAsync(cancellationToken));
        clock.AdvanceBy(Bound - TimeSpan.FromTicks(1));
        var waitingJustBeforeTheBound = !third.IsCompleted;
        clock.AdvanceBy(TimeSpan.FromTicks(1));
        var delivered = await third.WaitAsync(cancellationToken);
        var next = await topic.PublishAsync("m4", cancellationToken: cancellationToken);
        var readerAfter = await readerPeer.ExpectTextAsync(cancellationToken);
        gate.ReleaseFirstFlush();

        Assert.That(readerHadItWhileWaiting, Is.EqualTo(new[] { "m0", "m1", "m2", "m3" }));
        Assert.That(waitingJustBeforeTheBound, Is.True);
        Assert.That((delivered, next, readerAfter), Is.EqualTo((1, 1, "m4")));
        Assert.That(await stuckPeer.ExpectTextAsync(cancellationToken), Is.EqualTo("m0"));
        Assert.That((await stuckPeer.ExpectCloseAsync(cancellationToken))?.Code, Is.EqualTo(CloseCode.TryAgainLater));
        Assert.That((topic.DroppedMessages, stuck.DroppedOutgoing), Is.EqualTo((1L, 1L)));
    }

    [Test, CancelAfter(10_000)]
    public async Task BroadcastAsync_WaitDefault_StuckMemberClosedWith1013AfterTheBound(CancellationToken cancellationToken)
    {
        var clock = new TestScheduler();
        await using var fixture = await StuckAndReaderAsync(clock, o => { }, cancellationToken);
        var (server, stuck, stuckPeer, gate, _, readerPeer) = fixture;
        await server.BroadcastAsync(Message.Text("m0"), cancellationToken: cancellationToken);
        await gate.FirstFlushStarted.WaitAsync(cancellationToken);
        await server.BroadcastAsync(Message.Text("m1"), cancellationToken: cancellationToken);
        await server.BroadcastAsync(Message.Text("m2"), cancellationToken: cancellationToken);
        var readerBefore = await ReadTextsAsync(readerPeer, 3, cancellationToken);   // the reader's queue is empty again

        var third = server.BroadcastAsync(Message.Text("m3"), cancellationToken: cancellationToken).AsTask();
        await Until.TrueAsync(() => clock.HasScheduledWork, cancellationToken);
        clock.AdvanceBy(Bound);
        var delivered = await third.WaitAsync(cancellationToken);
        gate.ReleaseFirstFlush();

        Assert.That(delivered, Is.EqualTo(1));
        Assert.That(readerBefore.Append(await readerPeer.ExpectTextAsync(cancellationToken)), Is.EqualTo(new[] { "m0", "m1", "m2", "m3" }));
        Assert.That(await stuckPeer.ExpectTextAsync(cancellationToken), Is.EqualTo("m0"));
        Assert.That((await stuckPeer.ExpectCloseAsync(cancellationToken))?.Code, Is.EqualTo(CloseCode.TryAgainLater));
        Assert.That((server.DroppedBroadcasts, stuck.State), Is.EqualTo((1L, ConnectionState.Closing)).Or.EqualTo((1L, ConnectionState.Closed)));
    }

    [Test, CancelAfter(10_000)]
    public async Task PublishAsync_WaitInfinite_WaitsPastAnyTimeUntilRoomIsMade(CancellationToken cancellationToken)
    {
        var clock = new TestScheduler();
        await using var fixture = await StuckAndReaderAsync(clock, o => o.BroadcastWaitTimeout = Timeout.InfiniteTimeSpan, cancellationToken);
        var (server, stuck, _, gate, _, _) = fixture;
        var topic = server.Topic("feed");
        topic.Join(stuck);
        await topic.PublishAsync("m0", cancellationToken: cancellationToken);
        await gate.FirstFlushStarted.WaitAsync(cancellationToken);
        await topic.PublishAsync("m1", cancellationToken: cancellationToken);
        await topic.PublishAsync("m2", cancellationToken: cancellationToken);

        var third = topic.PublishAsync("m3", cancellationToken: cancellationToken).AsTask();
        clock.AdvanceBy(TimeSpan.FromHours(1));
        var waitedAnHour = !third.IsCompleted;
        gate.ReleaseFirstFlush();

        Assert.That(waitedAnHour, Is.True);
        Assert.That(await third.WaitAsync(cancellationToken), Is.EqualTo(1));
        Assert.That(stuck.State, Is.EqualTo(ConnectionState.Open));
    }

    [Test]
    public void Options_BroadcastWaitTimeoutNotPositive_ThrowsNamingIt()
    {
        var options = new WebSocketServerOptions { BroadcastWaitTimeout = TimeSpan.Zero };

        var error = Assert.Throws<ArgumentException>(() => WebSocketServer.CreateDetached(options));

        Assert.That(error?.ParamName, Is.EqualTo(nameof(WebSocketServerOptions.BroadcastWaitTimeout)));
    }

    [Test]
    public void Options_Defaults_WaitBoundedByFiveSeconds()
    {
        var options = new WebSocketServerOptions();

        Assert.That((options.BroadcastOverflow, options.BroadcastWaitTimeout), Is.EqualTo((BroadcastOverflow.Wait, Bound)));
    }

    /// <summary>A server on <paramref name="clock"/> with a broadcast budget of 2 messages, a member whose writer is
    /// held, and a member that reads.</summary>
    private static async Task<Fixture> StuckAndReaderAsync(
        TestScheduler clock, Action<WebSocketServerOptions> configure, CancellationToken cancellationToken)
    {
        var server = Detached.Server(clock, o =>
        {
            o.BroadcastQueueLimit = 2;
            configure(o);
        });
        GatedPipeWriter? gate = null;
        var (stuck, stuckPeer) = await Detached.OpenAsync(server, cancellationToken, output => gate = new GatedPipeWriter(output));
        var (reader, readerPeer) = await Detached.OpenAsync(server, cancellationToken);
        return new Fixture(server, stuck, stuckPeer, gate!, reader, readerPeer);
    }

    /// <summary>Disposing aborts both connections first: on a virtual clock that never moves, the server's close
    /// handshake with peers that do not answer would wait for ever.</summary>
    private sealed record Fixture(WebSocketServer Server, WebSocketConnection Stuck, RawPeer StuckPeer, GatedPipeWriter Gate,
        WebSocketConnection Reader, RawPeer ReaderPeer) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            Gate.ReleaseFirstFlush();
            Stuck.Abort();
            Reader.Abort();
            await Server.DisposeAsync();
        }
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
