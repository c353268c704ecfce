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

    [Test, CancelAfter(5_000)]
    public async Task WaitForTimer_TimerNotYetOnTheClock_IsNotReportedArmed(CancellationToken cancellationToken)
    {
        var clock = new TestScheduler();
        using var gate = new GatedScheduler(clock);
        var timers = new WatchedScheduler(gate);
        var ran = clock.CreateObserver<string>();

        var scheduling = Task.Run(() => timers.Schedule(TimeSpan.FromSeconds(1), () => ran.OnNext("timer")), cancellationToken);
        await gate.Entered.WaitAsync(cancellationToken);   // handed to the clock, which has not taken it yet
        var armed = timers.WaitForTimerAsync(TimeSpan.FromSeconds(1), cancellationToken);
        var early = (armed.IsCompleted, timers.Pending);
        gate.Release();
        await armed;
        clock.AdvanceBy(TimeSpan.FromSeconds(1).Ticks);   // what a test does once the timer is reported armed
        using var timer = await scheduling;

        Assert.That(early, Is.EqualTo((false, 0)), "a test told now would move the clock before the timer is on it");
        Assert.That(ran.Messages, Is.EqualTo(new[] { OnNext(TimeSpan.FromSeconds(1).Ticks, "timer") }));
    }

    [Test, CancelAfter(5_000)]
    public async Task Schedule_ClockMovesWhileTheTimerIsOnItsWay_RunsAtItsDueTime(CancellationToken cancellationToken)
    {
        var clock = new TestScheduler();
        using var gate = new GatedScheduler(clock);
        var timers = new WatchedScheduler(gate);
        var ran = clock.CreateObserver<string>();

        var scheduling = Task.Run(() => timers.Schedule(TimeSpan.FromSeconds(1), () => ran.OnNext("timer")), cancellationToken);
        await gate.Entered.WaitAsync(cancellationToken);
        clock.AdvanceBy(TimeSpan.FromMilliseconds(500).Ticks);   // time moves before the clock has the timer
        gate.Release();
        using var timer = await scheduling;
        clock.AdvanceBy(TimeSpan.FromMilliseconds(500).Ticks);

        // Due 1 s after it was scheduled (as WaitForTimerAsync reports it), not 1 s after the clock took it (1.5 s).
        Assert.That(ran.Messages, Is.EqualTo(new[] { OnNext(TimeSpan.FromSeconds(1).Ticks, "timer") }));
        Assert.That(timers.Pending, Is.Zero);
    }

    [Test]
    public void WaitForTimer_NegativeDueTime_Throws()
    {
        var timers = new WatchedScheduler(new TestScheduler());

        var error = Assert.Throws<ArgumentOutOfRangeException>(() => timers.WaitForTimerAsync(TimeSpan.FromSeconds(-1)));

        Assert.That(error.ParamName, Is.EqualTo("dueIn"));
    }

    /// <summary>A scheduler in front of another that holds every call to Schedule until <see cref="Release"/>: the
    /// moment, on a loaded machine, when the watched scheduler has a timer and its clock does not have it yet.</summary>
    private sealed class GatedScheduler(IScheduler inner) : IScheduler, IDisposable
    {
        private readonly TaskCompletionSource _entered = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly ManualResetEventSlim _released = new();

        public Task Entered => _entered.Task;

        public DateTimeOffset Now => inner.Now;

        public void Release() => _released.Set();

        public void Dispose() => _released.Dispose();

        public IDisposable Schedule<TState>(TState state, Func<IScheduler, TState, IDisposable> action)
        {
            Hold();
            return inner.Schedule(state, action);
        }

        public IDisposable Schedule<TState>(TState state, TimeSpan dueTime, Func<IScheduler, TState, IDisposable> action)
        {
            Hold();
            return inner.Schedule(state, dueTime, action);
        }

        public IDisposable Schedule<TState>(TState state, DateTimeOffset dueTime, Func<IScheduler, TState, IDisposable> action)
        {
            Hold();
            return inner.Schedule(state, dueTime, action);
        }

        private void Hold()
        {
            _entered.TrySetResult();
            _released.Wait(TimeSpan.FromSeconds(30));   // bounded: the test releases it, or has failed long before
        }
    }
}
