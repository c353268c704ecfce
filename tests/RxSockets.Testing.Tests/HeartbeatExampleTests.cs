using System.Reactive.Linq;
using System.Reactive.Threading.Tasks;
using Microsoft.Reactive.Testing;

namespace RxSockets.Testing.Tests;

/// <summary>
/// Written the way a user of RxSockets.Testing tests their own code: Microsoft.Reactive.Testing's TestScheduler drives
/// every timer of an in-memory client and server, the link between them injects the fault, and the client's states
/// are recorded with their virtual times. (The README's "Testing your code" shows the first test.)
/// </summary>
public class HeartbeatExampleTests : ReactiveTest
{
    private static readonly long s_interval = TimeSpan.FromSeconds(10).Ticks;
    private static readonly long s_timeout = TimeSpan.FromSeconds(5).Ticks;

    [Test, CancelAfter(5_000)]
    public async Task Client_ServerGoesSilent_IsDeclaredDeadAtIntervalPlusTimeout(CancellationToken cancellationToken)
    {
        var clock = new TestScheduler();
        await using var pair = RxSocketsTest.CreatePair(clock, client =>
        {
            client.KeepAliveInterval = TimeSpan.FromTicks(s_interval);
            client.KeepAliveTimeout = TimeSpan.FromTicks(s_timeout);
        }, server => server.KeepAliveInterval = Timeout.InfiniteTimeSpan);
        var states = clock.CreateObserver<ConnectionState>();
        using var subscription = pair.Client.States.Subscribe(states);

        pair.Link.ServerToClient.Stall();                            // the server goes silent: no pong comes back
        clock.AdvanceBy(s_interval);                                 // the client pings...
        await pair.Link.ServerToClient.WaitForWritesAsync(1, cancellationToken);   // the server answered: the link holds its pong
        var pongsHeld = (pair.Link.ServerToClient.WritesPending, pair.Link.ServerToClient.WritesDelivered);
        clock.AdvanceBy(s_timeout - 1);                              // one tick before the deadline: still open
        var openBeforeDeadline = pair.Client.State;
        clock.AdvanceBy(1);
        var error = await Assert.ThrowsAsync<ConnectionClosedException>(() => pair.Client.Completion.WaitAsync(cancellationToken));

        Assert.That(pongsHeld, Is.EqualTo((1, 0)));
        Assert.That(openBeforeDeadline, Is.EqualTo(ConnectionState.Open));
        Assert.That(error.Code, Is.EqualTo(CloseCode.AbnormalClosure));
        Assert.That(error.InnerException, Is.InstanceOf<TimeoutException>());
        Assert.That(states.Messages, Is.EqualTo(new[]
        {
            OnNext(0, ConnectionState.Open),
            OnNext(s_interval + s_timeout, ConnectionState.Closed),
            OnCompleted<ConnectionState>(s_interval + s_timeout),
        }));
    }

    [Test, CancelAfter(5_000)]
    public async Task Client_ServerAnswersEveryPing_StaysOpen(CancellationToken cancellationToken)
    {
        var clock = new TestScheduler();
        await using var pair = RxSocketsTest.CreatePair(clock, client =>
        {
            client.KeepAliveInterval = TimeSpan.FromTicks(s_interval);
            client.KeepAliveTimeout = TimeSpan.FromTicks(s_timeout);
        }, server => server.KeepAliveInterval = Timeout.InfiniteTimeSpan);
        var states = clock.CreateObserver<ConnectionState>();
        var pongs = clock.CreateObserver<int>();
        using var stateSubscription = pair.Client.States.Subscribe(states);
        using var pongSubscription = pair.Client.Pongs.Subscribe(pong => pongs.OnNext(pong.Length));

        for (var round = 1; round <= 3; round++)
        {
            var pong = pair.Client.Pongs.FirstAsync().ToTask(cancellationToken);
            clock.AdvanceBy(s_interval);                             // a ping...
            await pong;                                              // ...answered by the server's pong
        }

        clock.AdvanceBy(s_timeout);

        Assert.That(states.Messages, Is.EqualTo(new[] { OnNext(0, ConnectionState.Open) }));
        Assert.That(pongs.Messages.Select(m => m.Time), Is.EqualTo(new[] { s_interval, 2 * s_interval, 3 * s_interval }));
    }

    [Test, CancelAfter(5_000)]
    public async Task Client_OnePongLost_IsDeclaredDeadAfterThatPing(CancellationToken cancellationToken)
    {
        var clock = new TestScheduler();
        await using var pair = RxSocketsTest.CreatePair(clock, client =>
        {
            client.KeepAliveInterval = TimeSpan.FromTicks(s_interval);
            client.KeepAliveTimeout = TimeSpan.FromTicks(s_timeout);
        }, server => server.KeepAliveInterval = Timeout.InfiniteTimeSpan);
        var states = clock.CreateObserver<ConnectionState>();
        using var subscription = pair.Client.States.Subscribe(states);

        pair.Link.ServerToClient.DropNext(1);                        // the server's first pong is lost
        clock.AdvanceBy(s_interval);
        await pair.Link.ServerToClient.WaitForWritesAsync(1, cancellationToken);   // the server answered; nothing arrived
        clock.AdvanceBy(s_timeout);
        await Assert.ThrowsAsync<ConnectionClosedException>(() => pair.Client.Completion.WaitAsync(cancellationToken));

        Assert.That(pair.Link.ServerToClient.WritesDropped, Is.EqualTo(1));
        Assert.That(states.Messages[^2], Is.EqualTo(OnNext(s_interval + s_timeout, ConnectionState.Closed)));
    }
}
