using System.Reactive.Linq;
using System.Reactive.Threading.Tasks;
using Microsoft.Reactive.Testing;

namespace RxSockets.Testing.Tests;

/// <summary>
/// Written the way a user of RxSockets.Testing tests their own code: Microsoft.Reactive.Testing's TestScheduler drives
/// every timer of an in-memory client and server, the link between them injects the fault, and the client's states
/// are recorded with their virtual times. (The README's "Testing your code" shows the first test, as it is here.)
/// </summary>
public class HeartbeatExampleTests : ReactiveTest
{
    private static readonly long s_interval = TimeSpan.FromSeconds(10).Ticks;
    private static readonly long s_timeout = TimeSpan.FromSeconds(5).Ticks;

    // The README's example ("Testing your code"), as it is there.
    [Test, CancelAfter(5_000)]
    public async Task Client_ServerGoesSilent_IsDeclaredDeadAtIntervalPlusTimeout(CancellationToken cancellationToken)
    {
        var clock = new TestScheduler();   // Microsoft.Reactive.Testing: one tick = 100 ns, like TimeSpan
        await using var pair = RxSocketsTest.CreatePair(clock, client =>
        {
            client.KeepAliveInterval = TimeSpan.FromSeconds(10);
            client.KeepAliveTimeout = TimeSpan.FromSeconds(5);
        }, server => server.KeepAliveInterval = Timeout.InfiniteTimeSpan);
        var states = clock.CreateObserver<ConnectionState>();
        using var subscription = pair.Client.States.Subscribe(states);

        pair.Link.ServerToClient.Stall();                                         // the server goes silent
        clock.AdvanceBy(TimeSpan.FromSeconds(10).Ticks);                          // the client pings...
        await pair.Link.ServerToClient.WaitForWritesAsync(1, cancellationToken);  // ...the server's pong is held
        Assert.That(pair.Link.ServerToClient.WritesPending, Is.EqualTo(1));       // held, not delivered
        clock.AdvanceBy(TimeSpan.FromSeconds(5).Ticks - 1);
        Assert.That(pair.Client.State, Is.EqualTo(ConnectionState.Open));         // one tick before the deadline
        clock.AdvanceBy(1);

        var error = await Assert.ThrowsAsync<ConnectionClosedException>(() => pair.Client.Completion.WaitAsync(cancellationToken));
        Assert.That(error.Code, Is.EqualTo(CloseCode.AbnormalClosure));
        Assert.That(error.InnerException, Is.InstanceOf<TimeoutException>());     // the keepalive's verdict
        Assert.That(states.Messages, Is.EqualTo(new[]
        {
            OnNext(0, ConnectionState.Open),
            OnNext(TimeSpan.FromSeconds(15).Ticks, ConnectionState.Closed),
            OnCompleted<ConnectionState>(TimeSpan.FromSeconds(15).Ticks),
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
