using Microsoft.Reactive.Testing;

namespace RxSockets.Testing.Tests;

public class VirtualTimeTests : ReactiveTest
{
    [Test]
    public void ToTimeProvider_PeriodicTimer_FiresAtTheVirtualTimesAndStopsWhenDisposed()
    {
        var clock = new TestScheduler();
        var time = clock.ToTimeProvider();
        var fired = clock.CreateObserver<int>();
        var count = 0;

        var timer = time.CreateTimer(_ => fired.OnNext(++count), null, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2));
        clock.AdvanceTo(TimeSpan.FromSeconds(6).Ticks);
        timer.Dispose();
        clock.AdvanceTo(TimeSpan.FromSeconds(20).Ticks);

        Assert.That(fired.Messages, Is.EqualTo(new[]
        {
            OnNext(TimeSpan.FromSeconds(1).Ticks, 1),
            OnNext(TimeSpan.FromSeconds(3).Ticks, 2),
            OnNext(TimeSpan.FromSeconds(5).Ticks, 3),
        }));
    }

    [Test]
    public void ToTimeProvider_Change_ReplacesTheDueTime()
    {
        var clock = new TestScheduler();
        var fired = clock.CreateObserver<string>();
        using var timer = clock.ToTimeProvider().CreateTimer(_ => fired.OnNext("due"), null, TimeSpan.FromSeconds(1), Timeout.InfiniteTimeSpan);

        clock.AdvanceTo(TimeSpan.FromMilliseconds(500).Ticks);
        timer.Change(TimeSpan.FromSeconds(4), Timeout.InfiniteTimeSpan);
        clock.AdvanceTo(TimeSpan.FromSeconds(10).Ticks);

        Assert.That(fired.Messages, Is.EqualTo(new[] { OnNext(TimeSpan.FromSeconds(4.5).Ticks, "due") }));
    }

    [Test]
    public void ToTimeProvider_TellsTheSchedulersTime()
    {
        var clock = new TestScheduler();
        var time = clock.ToTimeProvider();
        var start = time.GetTimestamp();

        clock.AdvanceBy(TimeSpan.FromMinutes(3).Ticks);

        Assert.That(time.GetElapsedTime(start), Is.EqualTo(TimeSpan.FromMinutes(3)));
        Assert.That(time.GetUtcNow(), Is.EqualTo(clock.Now));
    }

    [Test]
    public void UseScheduler_SetsTheOptionsClockAndReturnsTheSameOptions()
    {
        var clock = new TestScheduler();
        var options = new WebSocketClientOptions();

        var returned = options.UseScheduler(clock);

        Assert.That(returned, Is.SameAs(options));
        Assert.That(options.Scheduler, Is.SameAs(clock));
        Assert.Throws<ArgumentNullException>(() => options.UseScheduler(null!));
    }
}
