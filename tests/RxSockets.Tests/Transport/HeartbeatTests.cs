using System.Reactive.Concurrency;
using Microsoft.Reactive.Testing;
using RxSockets.Protocol;
using RxSockets.Protocol.Frames;
using RxSockets.Tests.Support;
using RxSockets.Transport;

namespace RxSockets.Tests.Transport;

public class HeartbeatTests
{
    private static readonly ConnectionRole[] s_roles = [ConnectionRole.Client, ConnectionRole.Server];

    [TestCaseSource(nameof(s_roles)), CancelAfter(5_000)]
    public async Task Connection_SilentPeer_FailsAfterIntervalPlusTimeoutAndNotBefore(ConnectionRole role, CancellationToken cancellationToken)
    {
        var clock = new TestScheduler();
        var (connection, peer) = InMemory.Open(role, clock);

        clock.AdvanceTo(TimeSpan.FromSeconds(20));
        var ping = await peer.ExpectFrameAsync(Opcode.Ping, cancellationToken);
        clock.AdvanceTo(TimeSpan.FromSeconds(39));
        var stateAt39 = connection.State;
        var completedAt39 = connection.Completion.IsCompleted;
        clock.AdvanceTo(TimeSpan.FromSeconds(41));

        Assert.That(ping.Payload, Has.Length.EqualTo(8));
        Assert.That(stateAt39, Is.EqualTo(ConnectionState.Open));
        Assert.That(completedAt39, Is.False);
        var error = await Assert.ThrowsAsync<ConnectionClosedException>(() => connection.Completion.WaitAsync(cancellationToken));
        Assert.That(error?.InnerException, Is.InstanceOf<TimeoutException>());
        Assert.That(error?.Code, Is.EqualTo(CloseCode.AbnormalClosure));
    }

    [Test, CancelAfter(5_000)]
    public async Task Connection_PeerAnswersEveryPing_IsNeverDeclaredDead(CancellationToken cancellationToken)
    {
        var clock = new TestScheduler();
        var (connection, peer) = InMemory.Open(ConnectionRole.Client, clock);

        for (var round = 0; round < 10; round++)
        {
            clock.AdvanceBy(TimeSpan.FromSeconds(20));
            var ping = await peer.ExpectFrameAsync(Opcode.Ping, cancellationToken);
            var pong = InMemory.NextAsync(connection.Pongs, cancellationToken);
            await peer.SendPongAsync(ping.Payload, cancellationToken);
            await pong;
        }

        Assert.That(connection.State, Is.EqualTo(ConnectionState.Open));
        Assert.That(connection.Completion.IsCompleted, Is.False);
        connection.Abort();
    }

    [Test, CancelAfter(5_000)]
    public async Task Connection_SlowConsumerHoldsBackReading_IsNotDeclaredDead(CancellationToken cancellationToken)
    {
        var clock = new TestScheduler();
        var (connection, peer) = InMemory.Open(ConnectionRole.Server, clock, o => o.ReceiveQueueCapacity = 1);
        await peer.SendTextAsync("m1", cancellationToken);
        await peer.SendTextAsync("m2", cancellationToken);
        await peer.SendTextAsync("m3", cancellationToken);
        await DriverProbe.WaitUntilReadPausedAsync(connection, cancellationToken);

        for (var step = 1; step <= 10; step++)
        {
            clock.AdvanceBy(TimeSpan.FromSeconds(20));
            await peer.SendTextAsync($"m{3 + step}", cancellationToken);   // the peer keeps sending; nobody reads it
        }

        var stateWhilePaused = connection.State;
        var texts = new List<string>();
        await foreach (var message in connection.ReadAllAsync(cancellationToken))
        {
            texts.Add(message.GetText());
            if (texts.Count == 13)
            {
                break;
            }
        }

        Assert.That(stateWhilePaused, Is.EqualTo(ConnectionState.Open));
        Assert.That(texts, Is.EqualTo(Enumerable.Range(1, 13).Select(i => $"m{i}")));
        Assert.That(connection.State, Is.EqualTo(ConnectionState.Open));
        connection.Abort();
    }

    [Test]
    public void Heartbeat_ActivityAfterPing_KeepsPeerAlive()
    {
        var clock = new TestScheduler();
        var pings = 0;
        TimeoutException? dead = null;
        using var heartbeat = new HeartbeatOwner(clock, TimeSpan.FromSeconds(20), TimeSpan.FromSeconds(20), () => pings++, e => dead = e, () => false);
        heartbeat.Start();

        for (var second = 1; second <= 200; second++)
        {
            clock.AdvanceTo(TimeSpan.FromSeconds(second));
            if (second % 20 == 5)
            {
                heartbeat.OnActivity();
            }
        }

        Assert.That(dead, Is.Null);
        Assert.That(pings, Is.EqualTo(10));
    }

    [Test]
    public void Heartbeat_NoActivity_DeclaresDeadOnceTimeoutAfterFirstPing()
    {
        var clock = new TestScheduler();
        var recorded = clock.CreateObserver<string>();
        using var heartbeat = new HeartbeatOwner(clock, TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(3), () => recorded.OnNext("ping"), _ => recorded.OnNext("dead"), () => false);
        heartbeat.Start();

        clock.AdvanceTo(TimeSpan.FromSeconds(7.9).Ticks);
        var beforeDeadline = recorded.Messages.ToArray();
        clock.AdvanceTo(TimeSpan.FromSeconds(8).Ticks);

        Assert.That(beforeDeadline, Is.EqualTo(new[] { ReactiveTest.OnNext(Seconds(5), "ping") }));
        Assert.That(recorded.Messages, Is.EqualTo(new[]
        {
            ReactiveTest.OnNext(Seconds(5), "ping"),
            ReactiveTest.OnNext(Seconds(8), "dead"),
        }));
    }

    [Test]
    public void Heartbeat_ActivityEveryRound_PingsOnEveryIntervalAndIsNeverDeclaredDead()
    {
        var clock = new TestScheduler();
        var recorded = clock.CreateObserver<string>();
        using var heartbeat = new HeartbeatOwner(clock, TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(3), () => recorded.OnNext("ping"), _ => recorded.OnNext("dead"), () => false);
        heartbeat.Start();

        for (var round = 1; round <= 3; round++)
        {
            clock.AdvanceTo(Seconds(5 * round) + Seconds(1));
            heartbeat.OnActivity();   // the pong, a second after each ping
        }

        clock.AdvanceTo(Seconds(19));
        Assert.That(recorded.Messages, Is.EqualTo(new[]
        {
            ReactiveTest.OnNext(Seconds(5), "ping"),
            ReactiveTest.OnNext(Seconds(10), "ping"),
            ReactiveTest.OnNext(Seconds(15), "ping"),
        }));
    }

    [Test]
    public void Heartbeat_DeclaredDead_LeavesItsClockAtOnce()
    {
        var clock = new TestScheduler();
        var pings = 0;
        var deaths = 0;
        var before = HeartbeatClock.Running;
        var heartbeat = new HeartbeatOwner(clock, TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(3), () => pings++, _ => deaths++, () => false);
        heartbeat.Start();

        clock.AdvanceTo(Seconds(8));   // pinged at 5, dead at 8
        var runningAfterDeath = HeartbeatClock.Running;
        clock.AdvanceTo(Seconds(60));
        heartbeat.Dispose();   // the connection's end, after the clock let it go: nothing left to remove
        using var next = new HeartbeatOwner(clock, TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(3), () => { }, _ => { }, () => false);
        next.Start();
        var runningWithTheNext = HeartbeatClock.Running;

        Assert.That((pings, deaths), Is.EqualTo((1, 1)));
        Assert.That(runningAfterDeath, Is.EqualTo(before));
        Assert.That(runningWithTheNext - before, Is.EqualTo(1));
    }

    [Test]
    public void Heartbeat_PausedReading_IsNotDeclaredDead()
    {
        var clock = new TestScheduler();
        TimeoutException? dead = null;
        using var heartbeat = new HeartbeatOwner(clock, TimeSpan.FromSeconds(20), TimeSpan.FromSeconds(20), () => { }, e => dead = e, () => true);
        heartbeat.Start();

        clock.AdvanceTo(TimeSpan.FromMinutes(10));

        Assert.That(dead, Is.Null);
    }

    [Test]
    public void Heartbeat_Disposed_StopsPinging()
    {
        var clock = new TestScheduler();
        var pings = 0;
        var heartbeat = new HeartbeatOwner(clock, TimeSpan.FromSeconds(20), TimeSpan.FromSeconds(20), () => pings++, _ => { }, () => false);
        heartbeat.Start();
        clock.AdvanceTo(TimeSpan.FromSeconds(20));

        heartbeat.Dispose();
        clock.AdvanceTo(TimeSpan.FromSeconds(100));

        Assert.That(pings, Is.EqualTo(1));
    }

    [Test]
    public void Heartbeats_SameClockIntervalAndTimeout_ShareOneTimerThatStopsWithTheLast()
    {
        var clock = new TestScheduler();
        var pings = new int[2];
        // Paused (held back by backpressure): never declared dead, so both stay on the clock.
        var first = new HeartbeatOwner(clock, TimeSpan.FromSeconds(20), TimeSpan.FromSeconds(20), () => pings[0]++, _ => { }, () => true);
        var second = new HeartbeatOwner(clock, TimeSpan.FromSeconds(20), TimeSpan.FromSeconds(20), () => pings[1]++, _ => { }, () => true);
        var before = HeartbeatClock.Running;

        first.Start();
        second.Start();
        var whileRunning = HeartbeatClock.Running;
        clock.AdvanceTo(TimeSpan.FromSeconds(40));
        first.Dispose();
        second.Dispose();

        Assert.That(whileRunning - before, Is.EqualTo(1));
        Assert.That(pings, Is.EqualTo(new[] { 2, 2 }));
        Assert.That(HeartbeatClock.Running, Is.EqualTo(before));
    }

    [Test]
    public void Heartbeats_JoinedAtDifferentTimes_OnlyTheSilentOneIsDeclaredDead()
    {
        var clock = new TestScheduler();
        TimeoutException? firstDead = null;
        TimeoutException? secondDead = null;
        using var first = new HeartbeatOwner(clock, TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(3), () => { }, e => firstDead ??= e, () => false);
        first.Start();
        clock.AdvanceTo(TimeSpan.FromSeconds(2));
        using var second = new HeartbeatOwner(clock, TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(3), () => { }, e => secondDead ??= e, () => false);
        second.Start();

        for (var at = 3; at <= 30; at++)
        {
            clock.AdvanceTo(TimeSpan.FromSeconds(at));
            second.OnActivity();
        }

        Assert.That(firstDead, Is.Not.Null);
        Assert.That(secondDead, Is.Null);
    }

    private static long Seconds(double seconds) => TimeSpan.FromSeconds(seconds).Ticks;

    /// <summary>A keepalive as a connection is one: its clock's node, with the test's actions.</summary>
    private sealed class HeartbeatOwner(IScheduler scheduler, TimeSpan interval, TimeSpan timeout, Action ping, Action<TimeoutException> dead, Func<bool> paused)
        : IHeartbeatOwner, IDisposable
    {
        private HeartbeatClock? _clock;
        private long _lastActivityTicks = scheduler.Now.UtcTicks;

        public IHeartbeatOwner? Previous { get; set; }

        public IHeartbeatOwner? Next { get; set; }

        public long AwaitingSince { get; set; }

        public long LastActivityTicks => _lastActivityTicks;

        public bool IsKeepAlivePaused => paused();

        public void Start() => _clock = HeartbeatClock.Join(this, scheduler, interval, timeout);

        public void SendKeepAlivePing() => ping();

        public void OnKeepAliveTimeout(TimeoutException error) => dead(error);

        public void OnActivity() => _lastActivityTicks = scheduler.Now.UtcTicks;

        public void Dispose() => Interlocked.Exchange(ref _clock, null)?.Leave(this);
    }
}
