using Microsoft.Reactive.Testing;
using RxSockets.Protocol;
using RxSockets.Protocol.Frames;
using RxSockets.Tests.Support;

namespace RxSockets.Tests.Transport;

public class RoundTripTests
{
    [Test, CancelAfter(5_000)]
    public async Task Rtt_KeepAlivePingAnsweredAfterThreeSeconds_ReportsThreeSecondsAndLastActivity(CancellationToken cancellationToken)
    {
        var clock = new TestScheduler();
        var (connection, peer) = InMemory.Open(ConnectionRole.Client, clock);
        var rtt = InMemory.NextAsync(connection.Rtt, cancellationToken);
        var activityAtStart = connection.LastActivity;

        clock.AdvanceTo(TimeSpan.FromSeconds(20));
        var ping = await peer.ExpectFrameAsync(Opcode.Ping, cancellationToken);
        clock.AdvanceTo(TimeSpan.FromSeconds(23));
        await peer.SendPongAsync(ping.Payload, cancellationToken);
        var measured = await rtt;

        Assert.That(measured, Is.EqualTo(TimeSpan.FromSeconds(3)));
        Assert.That(activityAtStart, Is.EqualTo(DateTimeOffset.MinValue));
        Assert.That(connection.LastActivity, Is.EqualTo(DateTimeOffset.MinValue.AddSeconds(23)));
        connection.Abort();
    }

    [Test, CancelAfter(5_000)]
    public async Task Rtt_PongForAnUnknownPayload_ReportsNothing(CancellationToken cancellationToken)
    {
        var clock = new TestScheduler();
        var (connection, peer) = InMemory.Open(ConnectionRole.Client, clock, o => o.KeepAliveInterval = Timeout.InfiniteTimeSpan);
        var reported = new List<TimeSpan>();
        using var watching = connection.Rtt.Subscribe(new Observer<TimeSpan>(reported.Add));
        var pong = InMemory.NextAsync(connection.Pongs, cancellationToken);

        await peer.SendPongAsync([1, 2, 3], cancellationToken);
        await pong;

        Assert.That(reported, Is.Empty);
        connection.Abort();
    }

    [Test, CancelAfter(5_000)]
    public async Task Rtt_PingAsyncAnswered_IsReportedToo(CancellationToken cancellationToken)
    {
        var clock = new TestScheduler();
        var (connection, peer) = InMemory.Open(ConnectionRole.Client, clock, o => o.KeepAliveInterval = Timeout.InfiniteTimeSpan);
        var rtt = InMemory.NextAsync(connection.Rtt, cancellationToken);

        var pinging = connection.PingAsync(cancellationToken: cancellationToken);
        var ping = await peer.ExpectFrameAsync(Opcode.Ping, cancellationToken);
        clock.AdvanceBy(TimeSpan.FromMilliseconds(250));
        await peer.SendPongAsync(ping.Payload, cancellationToken);

        Assert.That(await pinging, Is.EqualTo(TimeSpan.FromMilliseconds(250)));
        Assert.That(await rtt, Is.EqualTo(TimeSpan.FromMilliseconds(250)));
        connection.Abort();
    }
}
