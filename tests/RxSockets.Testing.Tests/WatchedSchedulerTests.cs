using System.Reactive.Concurrency;
using Microsoft.Reactive.Testing;

namespace RxSockets.Testing.Tests;

public class WatchedSchedulerTests : ReactiveTest
{
    [Test, CancelAfter(5_000)]
    public async Task WaitForTimer_CompletesWhenATimerWithThatDueTimeIsArmed(CancellationToken cancellationToken)
    {
        var clock = new TestScheduler();
        var timers = new WatchedScheduler(clock);
        var twoSeconds = timers.WaitForTimerAsync(TimeSpan.FromSeconds(2), cancellationToken);

        using var other = timers.Schedule(TimeSpan.FromSeconds(1), () => { });
        var afterOther = twoSeconds.IsCompleted;
        using var armed = timers.Schedule(TimeSpan.FromSeconds(2), () => { });
        await twoSeconds;

        Assert.That(afterOther, Is.False);
        Assert.That(timers.Pending, Is.EqualTo(2));
    }

    [Test]
    public void Pending_CountsTimersUntilTheyRunOrAreCancelled()
    {
        var clock = new TestScheduler();
        var timers = new WatchedScheduler(clock);
        var ran = clock.CreateObserver<string>();

        timers.Schedule(TimeSpan.FromSeconds(1), () => ran.OnNext("first"));
        var cancelled = timers.Schedule(TimeSpan.FromSeconds(2), () => ran.OnNext("cancelled"));
        var armed = timers.Pending;
        cancelled.Dispose();
        var afterCancel = timers.Pending;
        clock.AdvanceBy(TimeSpan.FromSeconds(5).Ticks);

        Assert.That((armed, afterCancel, timers.Pending), Is.EqualTo((2, 1, 0)));
        Assert.That(ran.Messages, Is.EqualTo(new[] { OnNext(TimeSpan.FromSeconds(1).Ticks, "first") }));
    }

    [Test]
    public void Periodic_RunsOnTheInnerClockAndStaysWatched()
    {
        var clock = new TestScheduler();
        var timers = new WatchedScheduler(clock);
        var ticks = clock.CreateObserver<long>();

        using var periodic = timers.SchedulePeriodic(TimeSpan.FromSeconds(10), () => ticks.OnNext(clock.Clock));
        clock.AdvanceBy(TimeSpan.FromSeconds(30).Ticks);

        Assert.That(ticks.Messages.Select(m => m.Time), Is.EqualTo(new[] { 10L, 20, 30 }.Select(s => TimeSpan.FromSeconds(s).Ticks)));
        Assert.That(timers.Pending, Is.EqualTo(1), "the next occurrence waits");
        Assert.That(timers.Now, Is.EqualTo(clock.Now));
    }

    [Test]
    public void WaitForTimer_NegativeDueTime_Throws()
    {
        var timers = new WatchedScheduler(new TestScheduler());

        var error = Assert.Throws<ArgumentOutOfRangeException>(() => timers.WaitForTimerAsync(TimeSpan.FromSeconds(-1)));

        Assert.That(error.ParamName, Is.EqualTo("dueIn"));
    }
}
