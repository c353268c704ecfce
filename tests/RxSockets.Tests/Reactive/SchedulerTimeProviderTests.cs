using Microsoft.Reactive.Testing;
using RxSockets.Reactive;
using RxSockets.Tests.Support;

namespace RxSockets.Tests.Reactive;

public class SchedulerTimeProviderTests
{
    [Test, CancelAfter(5_000)]
    public async Task Delay_OnVirtualClock_CompletesExactlyAtItsDueTime(CancellationToken cancellationToken)
    {
        var clock = new TestScheduler();
        var time = new SchedulerTimeProvider(clock);

        var delay = Task.Delay(TimeSpan.FromSeconds(16), time, cancellationToken);
        clock.AdvanceTo(TimeSpan.FromSeconds(16) - TimeSpan.FromTicks(1));
        var doneBefore = delay.IsCompleted;
        clock.AdvanceTo(TimeSpan.FromSeconds(16));
        await delay;

        Assert.That(doneBefore, Is.False);
        Assert.That(time.GetUtcNow(), Is.EqualTo(DateTimeOffset.MinValue.AddSeconds(16)));
    }

    [Test]
    public void Timer_Periodic_FiresEveryPeriodUntilDisposed()
    {
        var clock = new TestScheduler();
        var time = new SchedulerTimeProvider(clock);
        var fired = new List<TimeSpan>();
        var timer = time.CreateTimer(_ => fired.Add(clock.Elapsed), null, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2));

        clock.AdvanceTo(TimeSpan.FromSeconds(5));
        timer.Dispose();
        clock.AdvanceTo(TimeSpan.FromSeconds(20));

        Assert.That(fired, Is.EqualTo(new[] { 1.0, 3, 5 }.Select(TimeSpan.FromSeconds)));
    }

    [Test]
    public void Timer_Changed_FiresOnlyAtTheNewDueTime()
    {
        var clock = new TestScheduler();
        var time = new SchedulerTimeProvider(clock);
        var fired = new List<TimeSpan>();
        using var timer = time.CreateTimer(_ => fired.Add(clock.Elapsed), null, TimeSpan.FromSeconds(1), Timeout.InfiniteTimeSpan);

        timer.Change(TimeSpan.FromSeconds(4), Timeout.InfiniteTimeSpan);
        clock.AdvanceTo(TimeSpan.FromSeconds(10));

        Assert.That(fired, Is.EqualTo(new[] { TimeSpan.FromSeconds(4) }));
    }

    [Test]
    public void GetElapsedTime_Timestamps_MeasureVirtualTime()
    {
        var clock = new TestScheduler();
        var time = new SchedulerTimeProvider(clock);
        var start = time.GetTimestamp();

        clock.AdvanceBy(TimeSpan.FromMilliseconds(1500));

        Assert.That(time.GetElapsedTime(start), Is.EqualTo(TimeSpan.FromMilliseconds(1500)));
    }
}
