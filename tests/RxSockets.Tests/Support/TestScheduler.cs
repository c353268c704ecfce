using System.Reactive.Concurrency;

namespace RxSockets.Tests.Support;

/// <summary>A virtual clock for tests: one tick is one <see cref="TimeSpan"/> tick; time moves only when told to.</summary>
internal sealed class TestScheduler : VirtualTimeScheduler<long, long>
{
    /// <summary>Runs everything due within the next <paramref name="time"/>, then sets the clock there.</summary>
    public void AdvanceBy(TimeSpan time) => AdvanceBy(time.Ticks);

    /// <summary>Runs everything due up to <paramref name="time"/> after the start.</summary>
    public void AdvanceTo(TimeSpan time) => AdvanceTo(time.Ticks);

    /// <summary>The virtual time elapsed since the start.</summary>
    public TimeSpan Elapsed => TimeSpan.FromTicks(Clock);

    /// <summary>True when a timer waits on this clock: a test knows the code under test armed its timer before it
    /// advances time.</summary>
    public bool HasScheduledWork => GetNext() is not null;   // the scheduler locks its queue itself

    protected override long Add(long absolute, long relative) => absolute + relative;

    protected override DateTimeOffset ToDateTimeOffset(long absolute) => new(absolute, TimeSpan.Zero);

    protected override long ToRelative(TimeSpan timeSpan) => timeSpan.Ticks;
}
