using System.Buffers;
using System.IO.Pipelines;
using Microsoft.Reactive.Testing;
using RxSockets.Tests.Support;
using RxSockets.Transport;
using RxSockets.Transport.Sockets;

namespace RxSockets.Tests.Transport;

public class HandshakeClockTests
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(10);

    private static PipeTransport Transport() => new(PipePair.Create().Local);

    [Test]
    public void Start_NoRequestWithinTheTimeout_CancelsThePendingReadExactlyThen()
    {
        var clock = new TestScheduler();
        var handshakes = new HandshakeClock(clock, s_timeout);
        var transport = Transport();
        var timer = handshakes.Start(transport);
        var read = transport.Input.ReadAsync();

        clock.AdvanceBy(s_timeout - TimeSpan.FromTicks(1));
        var pendingJustBefore = !read.IsCompleted;
        clock.AdvanceBy(TimeSpan.FromTicks(1));

        Assert.That(pendingJustBefore, Is.True);
        Assert.That(read.IsCompletedSuccessfully && read.Result.IsCanceled, Is.True);
        Assert.That(timer.Finish(), Is.False);
    }

    [Test]
    public void Finish_BeforeTheTimeout_ReturnsTrueAndCancelsNothing()
    {
        var clock = new TestScheduler();
        var handshakes = new HandshakeClock(clock, s_timeout);
        var transport = Transport();
        var timer = handshakes.Start(transport);
        var token = timer.CreateToken(CancellationToken.None);

        var inTime = timer.Finish();
        var read = transport.Input.ReadAsync();
        clock.AdvanceBy(s_timeout * 3);

        Assert.That(inTime, Is.True);
        Assert.That(read.IsCompleted, Is.False);
        Assert.That(token.IsCancellationRequested, Is.False);
        Assert.That(timer.Finish(), Is.False, "finishing twice");
    }

    [Test]
    public void CreateToken_TimeoutOrCaller_CancelsIt()
    {
        var clock = new TestScheduler();
        var handshakes = new HandshakeClock(clock, s_timeout);
        using var caller = new CancellationTokenSource();
        var expiring = handshakes.Start(Transport()).CreateToken(CancellationToken.None);
        var stopped = handshakes.Start(Transport()).CreateToken(caller.Token);

        caller.Cancel();
        var stoppedFirst = stopped.IsCancellationRequested && !expiring.IsCancellationRequested;
        clock.AdvanceBy(s_timeout);

        Assert.That(stoppedFirst, Is.True);
        Assert.That(expiring.IsCancellationRequested, Is.True);
    }

    [Test]
    public void CreateToken_AfterTheTimeout_IsAlreadyCancelled()
    {
        var clock = new TestScheduler();
        var timer = new HandshakeClock(clock, s_timeout).Start(Transport());
        clock.AdvanceBy(s_timeout);

        var token = timer.CreateToken(CancellationToken.None);

        Assert.That(token.IsCancellationRequested, Is.True);
    }

    [Test]
    public void Start_ManyHandshakesFinishingOutOfOrder_ExpiresExactlyTheUnfinished()
    {
        var clock = new TestScheduler();
        var handshakes = new HandshakeClock(clock, s_timeout);
        var transports = Enumerable.Range(0, 200).Select(_ => Transport()).ToArray();   // more than the ring's first size
        var timers = transports.Select(handshakes.Start).ToArray();
        var reads = transports.Select(transport => transport.Input.ReadAsync()).ToArray();
        var finished = Enumerable.Range(0, 200).Where(i => i % 3 != 0).Select(i => timers[i].Finish()).ToArray();

        clock.AdvanceBy(s_timeout);

        Assert.That(finished, Is.All.True);
        Assert.That(Enumerable.Range(0, 200).Select(i => reads[i].IsCompleted), Is.EqualTo(Enumerable.Range(0, 200).Select(i => i % 3 == 0)));
        Assert.That(Enumerable.Range(0, 200).Where(i => i % 3 == 0).Select(i => timers[i].Finish()), Is.All.False);
    }

    [Test]
    public void Start_AfterAnEarlierOneExpired_GetsItsOwnFullTime()
    {
        var clock = new TestScheduler();
        var handshakes = new HandshakeClock(clock, s_timeout);
        handshakes.Start(Transport());
        clock.AdvanceBy(s_timeout + TimeSpan.FromSeconds(5));
        var transport = Transport();
        handshakes.Start(transport);
        var read = transport.Input.ReadAsync();

        clock.AdvanceBy(s_timeout - TimeSpan.FromTicks(1));
        var pendingJustBefore = !read.IsCompleted;
        clock.AdvanceBy(TimeSpan.FromTicks(1));

        Assert.That(pendingJustBefore, Is.True);
        Assert.That(read.IsCompleted, Is.True);
    }

    [Test]
    public void StartAndFinish_WhileTheClockRuns_AllocateNothing()
    {
        var clock = new TestScheduler();
        var handshakes = new HandshakeClock(clock, s_timeout);
        var transport = Transport();
        handshakes.Start(transport).Finish();      // arms the clock (its one scheduled item) and uses every path once

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 1000; i++)
        {
            handshakes.Start(transport).Finish();
        }

        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.That(allocated, Is.Zero);
    }

    [Test]
    public void Start_BudgetFull_EvictsTheOldestPendingOnly()
    {
        var handshakes = new HandshakeClock(new TestScheduler(), s_timeout, maxPending: 2);
        var transports = Enumerable.Range(0, 3).Select(_ => Transport()).ToArray();
        var first = handshakes.Start(transports[0]);
        var second = handshakes.Start(transports[1]);
        var firstToken = first.CreateToken(CancellationToken.None);
        var reads = transports.Take(2).Select(transport => transport.Input.ReadAsync()).ToArray();

        var third = handshakes.Start(transports[2]);

        Assert.That(reads[0].IsCompletedSuccessfully && reads[0].Result.IsCanceled, Is.True);
        Assert.That(firstToken.IsCancellationRequested, Is.True);
        Assert.That(reads[1].IsCompleted, Is.False);
        Assert.That(handshakes.PendingCount, Is.EqualTo(2));
        Assert.That((first.WasEvicted, second.WasEvicted, third.WasEvicted), Is.EqualTo((true, false, false)));
        Assert.That(first.LeavePending(), Is.False);
        Assert.That(first.Finish(), Is.False);
        Assert.That(second.Finish(), Is.True);
    }

    [Test]
    public void LeavePending_RequestArrived_NoLongerCountedNorEvicted()
    {
        var handshakes = new HandshakeClock(new TestScheduler(), Timeout.InfiniteTimeSpan, maxPending: 1);
        var arrived = Transport();
        var timer = handshakes.Start(arrived);
        var left = timer.LeavePending();
        var read = arrived.Input.ReadAsync();

        var next = handshakes.Start(Transport());
        var evicting = handshakes.Start(Transport());   // full again: the one that is still pending goes

        Assert.That(left, Is.True);
        Assert.That(read.IsCompleted, Is.False);
        Assert.That(timer.WasEvicted, Is.False);
        Assert.That(next.WasEvicted, Is.True);
        Assert.That(handshakes.PendingCount, Is.EqualTo(1));
        Assert.That(timer.Finish(), Is.True);
        Assert.That(evicting.Finish(), Is.True);
        Assert.That(handshakes.PendingCount, Is.Zero);
    }

    [Test]
    public void Expire_PendingHandshake_CancelsItsReadButNotAFlush()
    {
        // A pending handshake is reading; a flush cancelled ahead of time would be remembered and would cost the 408.
        var clock = new TestScheduler();
        var handshakes = new HandshakeClock(clock, s_timeout);
        var (local, remote) = PipePair.Create();
        var transport = new PipeTransport(local);
        var timer = handshakes.Start(transport);
        var read = transport.Input.ReadAsync();

        clock.AdvanceBy(s_timeout);
        transport.Output.Write("x"u8);
        var flush = transport.Output.FlushAsync();

        Assert.That(read.IsCompletedSuccessfully && read.Result.IsCanceled, Is.True);
        Assert.That(timer.WasEvicted, Is.False);
        Assert.That(flush.IsCompletedSuccessfully && !flush.Result.IsCanceled, Is.True);
        Assert.That(handshakes.PendingCount, Is.Zero);
        Assert.That(remote.Input.TryRead(out var written) && written.Buffer.Length == 1, Is.True);
    }

    [Test]
    public void StartEvictAndFinish_ManyMoreThanTheBudget_KeepsItExactly()
    {
        var handshakes = new HandshakeClock(new TestScheduler(), s_timeout, maxPending: 3);
        var timers = new List<HandshakeTimer>();
        for (var i = 0; i < 200; i++)
        {
            timers.Add(handshakes.Start(Transport()));
            if (i % 5 == 0)
            {
                timers[^1].LeavePending();   // arrived: holds its ring slot, not a pending place
            }

            Assert.That(handshakes.PendingCount, Is.LessThanOrEqualTo(3));
        }

        var evicted = timers.Count(timer => timer.WasEvicted);
        var results = timers.Select(timer => timer.Finish()).ToArray();

        Assert.That(evicted, Is.EqualTo(160 - 3));   // every pending one but the newest three
        Assert.That(results.Count(inTime => inTime), Is.EqualTo(40 + 3));
        Assert.That(handshakes.PendingCount, Is.Zero);
    }

    [Test]
    public void DefaultTimer_NoTimeLimit_NeverExpires()
    {
        using var caller = new CancellationTokenSource();
        var timer = default(HandshakeTimer);

        Assert.That(timer.CreateToken(caller.Token), Is.EqualTo(caller.Token));
        Assert.That(timer.Finish(), Is.True);
    }
}
