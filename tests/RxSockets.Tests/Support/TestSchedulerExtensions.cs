using System.Reactive.Concurrency;
using System.Reflection;
using Microsoft.Reactive.Testing;

namespace RxSockets.Tests.Support;

/// <summary>TimeSpan helpers for Microsoft.Reactive.Testing's <see cref="TestScheduler"/> (one tick is one
/// <see cref="TimeSpan"/> tick, 100 ns), so the tests speak in seconds rather than ticks.</summary>
internal static class TestSchedulerExtensions
{
    // VirtualTimeSchedulerBase.GetNext is protected: the only way to see whether a timer waits on the clock without
    // running it. It locks the queue itself and skips cancelled items, so a disposed timer does not count.
    private static readonly MethodInfo s_getNext = typeof(VirtualTimeScheduler<long, long>)
        .GetMethod("GetNext", BindingFlags.Instance | BindingFlags.NonPublic)
        ?? throw new InvalidOperationException("VirtualTimeScheduler.GetNext not found");

    private static IScheduledItem<long>? NextItem(TestScheduler scheduler) => (IScheduledItem<long>?)s_getNext.Invoke(scheduler, null);

    extension(TestScheduler scheduler)
    {
        /// <summary>Runs everything due within the next <paramref name="time"/>, then sets the clock there.</summary>
        public void AdvanceBy(TimeSpan time) => scheduler.AdvanceBy(time.Ticks);

        /// <summary>Runs everything due up to <paramref name="time"/> after the start.</summary>
        public void AdvanceTo(TimeSpan time) => scheduler.AdvanceTo(time.Ticks);

        /// <summary>The virtual time elapsed since the start.</summary>
        public TimeSpan Elapsed => TimeSpan.FromTicks(scheduler.Clock);

        /// <summary>True when a timer waits on this clock: a test knows the code under test armed its timer before it
        /// advances time.</summary>
        public bool HasScheduledWork => NextItem(scheduler) is not null;

        /// <summary>Waits until some item is scheduled (a loop on another thread arming its timer), without running it.</summary>
        public async Task WaitUntilScheduledAsync(CancellationToken cancellationToken)
        {
            while (NextItem(scheduler) is null)
            {
                cancellationToken.ThrowIfCancellationRequested();
                await Task.Yield();
            }
        }

        /// <summary>Moves from one scheduled item to the next: waits until some timer is scheduled (by a loop on
        /// another thread) and advances exactly to its due time, so a test observes every delay as scheduled, never a
        /// guessed one.</summary>
        /// <returns>The virtual time after the step.</returns>
        public async Task<TimeSpan> StepAsync(CancellationToken cancellationToken)
        {
            IScheduledItem<long>? next;
            while ((next = NextItem(scheduler)) is null)
            {
                cancellationToken.ThrowIfCancellationRequested();
                await Task.Yield();
            }

            scheduler.AdvanceTo(next.DueTime);
            return scheduler.Elapsed;
        }
    }
}
