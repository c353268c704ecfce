using System.Reactive.Concurrency;

namespace RxSockets.Tests.Support;

/// <summary>A virtual clock that moves from one scheduled item to the next: <see cref="StepAsync"/> waits until some
/// timer is scheduled (by a loop on another thread) and advances exactly to its due time, so a test observes every
/// delay as scheduled, never a guessed one.</summary>
internal sealed class StepScheduler : VirtualTimeScheduler<long, long>
{
    /// <summary>The virtual time elapsed since the start.</summary>
    public TimeSpan Elapsed => TimeSpan.FromTicks(Clock);

    /// <summary>Runs everything due up to <paramref name="time"/> after the start.</summary>
    public void AdvanceTo(TimeSpan time) => AdvanceTo(time.Ticks);

    /// <summary>Runs everything due within the next <paramref name="time"/>.</summary>
    public void AdvanceBy(TimeSpan time) => AdvanceBy(time.Ticks);

    /// <summary>Waits until an item is scheduled, then runs it (and whatever else is due then).</summary>
    /// <returns>The virtual time after the step.</returns>
    public async Task<TimeSpan> StepAsync(CancellationToken cancellationToken)
    {
        IScheduledItem<long>? next;
        while ((next = GetNext()) is null)
        {
            cancellationToken.ThrowIfCancellationRequested();
            await Task.Yield();
        }

        AdvanceTo(next.DueTime);
        return Elapsed;
    }

    /// <summary>Waits until some item is scheduled (a loop on another thread arming its timer), without running it.</summary>
    public async Task WaitUntilScheduledAsync(CancellationToken cancellationToken)
    {
        while (GetNext() is null)
        {
            cancellationToken.ThrowIfCancellationRequested();
            await Task.Yield();
        }
    }

    protected override long Add(long absolute, long relative) => absolute + relative;

    protected override DateTimeOffset ToDateTimeOffset(long absolute) => new(absolute, TimeSpan.Zero);

    protected override long ToRelative(TimeSpan timeSpan) => timeSpan.Ticks;
}
