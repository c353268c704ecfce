using System.Threading.Channels;
using RxSockets.Transport;

namespace RxSockets.Tests.Transport;

public class BoundedQueueTests
{
    [Test]
    public void TryWrite_BeyondCapacity_RefusesAndKeepsOrderAcrossGrowthAndWrap()
    {
        var queue = new BoundedQueue<int>(capacity: 10, inline: false);
        var read = new List<int>();

        for (var i = 0; i < 3; i++)
        {
            queue.TryWrite(i);
        }

        queue.TryRead(out var first);
        read.Add(first);
        var accepted = Enumerable.Range(3, 10).Count(queue.TryWrite);
        while (queue.TryRead(out var item))
        {
            read.Add(item);
        }

        Assert.That(accepted, Is.EqualTo(8));
        Assert.That(read, Is.EqualTo(Enumerable.Range(0, 11)));
    }

    [Test, CancelAfter(5_000)]
    public async Task WaitToReadAsync_Empty_CompletesOnTheWrite(CancellationToken cancellationToken)
    {
        var queue = new BoundedQueue<string>(capacity: 4, inline: false);
        var waiting = queue.WaitToReadAsync(cancellationToken);
        var pendingBefore = !waiting.IsCompleted;

        queue.TryWrite("x");

        Assert.That(pendingBefore, Is.True);
        Assert.That(await waiting, Is.True);
        Assert.That(queue.TryRead(out var item) ? item : null, Is.EqualTo("x"));
    }

    [Test]
    public void WaitToReadAsync_Inline_RunsTheReaderOnTheWritersThreadBeforeTryWriteReturns()
    {
        var queue = new BoundedQueue<int>(capacity: 4, inline: true);
        var log = new List<string>();
        var waiting = queue.WaitToReadAsync().AsTask();
        var continued = waiting.ContinueWith(_ => log.Add("reader"), TaskContinuationOptions.ExecuteSynchronously);

        queue.TryWrite(1);
        log.Add("writer returned");

        Assert.That(log, Is.EqualTo(new[] { "reader", "writer returned" }));
        Assert.That(continued.IsCompleted, Is.True);
    }

    [Test, CancelAfter(5_000)]
    public async Task TryWrite_DeferredWake_ReaderWaitsUntilReleasedThenGetsTheWholeRun(CancellationToken cancellationToken)
    {
        var queue = new BoundedQueue<int>(capacity: 4, inline: false);
        var waiting = queue.WaitToReadAsync(cancellationToken);

        queue.TryWrite(1, deferWake: true);
        queue.TryWrite(2, deferWake: true);
        var pendingBeforeRelease = !waiting.IsCompleted;
        queue.ReleaseDeferredWake();

        Assert.That(pendingBeforeRelease, Is.True, "a deferred write must not wake the reader");
        Assert.That(await waiting, Is.True);
        Assert.That(Drain(queue), Is.EqualTo(new[] { 1, 2 }));
    }

    [Test]
    public void ReleaseDeferredWake_Inline_ResumesTheReaderOnceForTheRun()
    {
        var queue = new BoundedQueue<int>(capacity: 8, inline: true);
        var wakeUps = 0;
        var read = new List<int>();
        void Wait()
        {
#pragma warning disable CA2012 // consumed exactly once, through its awaiter, as an awaiting reader would
            var awaiter = queue.WaitToReadAsync().ConfigureAwait(false).GetAwaiter();
#pragma warning restore CA2012
            awaiter.UnsafeOnCompleted(() =>
            {
                awaiter.GetResult();
                wakeUps++;
                read.AddRange(Drain(queue));
                Wait();
            });
        }

        Wait();

        for (var i = 0; i < 5; i++)
        {
            queue.TryWrite(i, deferWake: true);
        }

        queue.ReleaseDeferredWake();

        Assert.That(wakeUps, Is.EqualTo(1));
        Assert.That(read, Is.EqualTo(Enumerable.Range(0, 5)));
    }

    [Test, CancelAfter(5_000)]
    public void ReleaseDeferredWake_NothingDeferred_LeavesTheReaderWaiting(CancellationToken cancellationToken)
    {
        var queue = new BoundedQueue<int>(capacity: 4, inline: false);
        var waiting = queue.WaitToReadAsync(cancellationToken);

        queue.ReleaseDeferredWake();

        Assert.That(waiting.IsCompleted, Is.False);
        queue.TryComplete();
    }

    [Test, CancelAfter(5_000)]
    public async Task TryComplete_DeferredItemsWithTheReaderWaiting_ReaderGetsThemThenTheEnd(CancellationToken cancellationToken)
    {
        var queue = new BoundedQueue<int>(capacity: 4, inline: false);
        var waiting = queue.WaitToReadAsync(cancellationToken);
        queue.TryWrite(7, deferWake: true);

        queue.TryComplete();

        Assert.That(await waiting, Is.True, "the deferred item is still there to read");
        Assert.That(Drain(queue), Is.EqualTo(new[] { 7 }));
        Assert.That(await queue.WaitToReadAsync(cancellationToken), Is.False);
    }

    [Test, CancelAfter(5_000)]
    public async Task TryComplete_ItemsQueued_ReaderDrainsThemThenLearnsTheEnd(CancellationToken cancellationToken)
    {
        var queue = new BoundedQueue<int>(capacity: 4, inline: false);
        queue.TryWrite(1);
        queue.TryWrite(2);

        queue.TryComplete();
        var refused = queue.TryWrite(3);
        var drainedEarly = queue.IsDrained;
        var items = new List<int>();
        while (await queue.WaitToReadAsync(cancellationToken))
        {
            while (queue.TryRead(out var item))
            {
                items.Add(item);
            }
        }

        Assert.That(refused, Is.False);
        Assert.That(drainedEarly, Is.False);
        Assert.That(items, Is.EqualTo(new[] { 1, 2 }));
        Assert.That(queue.IsDrained, Is.True);
    }

    [Test, CancelAfter(5_000)]
    public async Task TryComplete_ReaderWaiting_WaitReturnsFalse(CancellationToken cancellationToken)
    {
        var queue = new BoundedQueue<int>(capacity: 4, inline: false);
        var waiting = queue.WaitToReadAsync(cancellationToken);

        queue.TryComplete();

        Assert.That(await waiting, Is.False);
    }

    [Test, CancelAfter(5_000)]
    public async Task WaitToReadAsync_Cancelled_ThrowsAndTheNextWaitStillWorks(CancellationToken cancellationToken)
    {
        var queue = new BoundedQueue<int>(capacity: 4, inline: false);
        using var cancel = new CancellationTokenSource();
        var waiting = queue.WaitToReadAsync(cancel.Token).AsTask();

        await cancel.CancelAsync();
        var next = queue.WaitToReadAsync(cancellationToken);
        queue.TryWrite(7);

        Assert.That(async () => await waiting, Throws.InstanceOf<OperationCanceledException>());
        Assert.That(await next, Is.True);
    }

    [Test, CancelAfter(5_000)]
    public async Task WaitToReadAsync_NextWaitBeforeTheCancelledOneWasCollected_OldWaitStillReportsItsCancellation(CancellationToken cancellationToken)
    {
        var queue = new BoundedQueue<int>(capacity: 4, inline: false);
        using var cancel = new CancellationTokenSource();
        var first = queue.WaitToReadAsync(cancel.Token);
        await cancel.CancelAsync();

        var second = queue.WaitToReadAsync(cancellationToken);   // reuses the shared core before `first` was collected
        var firstTask = first.AsTask();                           // collects it only now (as a queued AsTask callback would)
        queue.TryWrite(7);

        Assert.That(async () => await firstTask, Throws.InstanceOf<OperationCanceledException>());
        Assert.That(await second, Is.True);
    }

    [Test, CancelAfter(5_000)]
    public async Task WriteAsync_Full_WaitsForAReadThenAddsInOrder(CancellationToken cancellationToken)
    {
        var queue = new BoundedQueue<int>(capacity: 2, inline: false);
        queue.TryWrite(1);
        queue.TryWrite(2);

        var writing = queue.WriteAsync(3, cancellationToken).AsTask();
        var blocked = !writing.IsCompleted;
        queue.TryRead(out var first);
        await writing;
        var rest = new List<int>();
        while (queue.TryRead(out var item))
        {
            rest.Add(item);
        }

        Assert.That(blocked, Is.True);
        Assert.That(first, Is.EqualTo(1));
        Assert.That(rest, Is.EqualTo(new[] { 2, 3 }));
    }

    [Test, CancelAfter(5_000)]
    public void WriteAsync_FullThenCompleted_FailsWithChannelClosed(CancellationToken cancellationToken)
    {
        var queue = new BoundedQueue<int>(capacity: 1, inline: false);
        queue.TryWrite(1);

        var writing = queue.WriteAsync(2, cancellationToken).AsTask();
        queue.TryComplete();

        Assert.That(async () => await writing, Throws.InstanceOf<ChannelClosedException>());
    }

    [Test, CancelAfter(5_000)]
    public async Task WriteAsync_ManyConcurrentWriters_EveryItemArrivesOnce(CancellationToken cancellationToken)
    {
        var queue = new BoundedQueue<int>(capacity: 3, inline: false);
        var writers = Enumerable.Range(0, 4).Select(w => Task.Run(async () =>
        {
            for (var i = 0; i < 250; i++)
            {
                await queue.WriteAsync(w * 1000 + i, cancellationToken);
            }
        }, cancellationToken)).ToArray();
        var received = new List<int>();

        while (received.Count < 1000 && await queue.WaitToReadAsync(cancellationToken))
        {
            while (queue.TryRead(out var item))
            {
                received.Add(item);
            }
        }

        await Task.WhenAll(writers);
        Assert.That(received, Is.EquivalentTo(Enumerable.Range(0, 4).SelectMany(w => Enumerable.Range(w * 1000, 250))));
        for (var w = 0; w < 4; w++)
        {
            Assert.That(received.Where(x => x / 1000 == w), Is.Ordered, $"writer {w}'s items in order");
        }
    }

    [Test, CancelAfter(5_000)]
    public async Task WaitToReadAsync_CancelledWithAWakeDeferred_TheNextWaitFindsTheItemsAtOnce(CancellationToken cancellationToken)
    {
        var queue = new BoundedQueue<int>(capacity: 4, inline: false);
        using var cancel = new CancellationTokenSource();
        var waiting = queue.WaitToReadAsync(cancel.Token).AsTask();
        queue.TryWrite(1, deferWake: true);

        await cancel.CancelAsync();
        queue.ReleaseDeferredWake();   // the reader stopped waiting: nobody to wake
        var next = queue.WaitToReadAsync(cancellationToken);
        var foundAtOnce = next.IsCompleted;

        Assert.That(async () => await waiting, Throws.InstanceOf<OperationCanceledException>());
        Assert.That(foundAtOnce, Is.True);
        Assert.That(await next, Is.True);
        Assert.That(Drain(queue), Is.EqualTo(new[] { 1 }));
    }

    [Test, CancelAfter(5_000)]
    public async Task WaitForReaderIdleAsync_ReaderTakesEverythingThenComesBack_CompletesOnlyThen(CancellationToken cancellationToken)
    {
        var queue = new BoundedQueue<int>(capacity: 4, inline: false);
        queue.TryWrite(1);
        queue.TryWrite(2);

        var idle = queue.WaitForReaderIdleAsync();
        var pendingWhileQueued = !idle.IsCompleted;
        var taken = Drain(queue);
        var pendingWhileBusy = !idle.IsCompleted;
        var next = queue.WaitToReadAsync(cancellationToken).AsTask();   // back for more: done with what it took
        await idle.WaitAsync(cancellationToken);
        var idleWhileWaiting = queue.WaitForReaderIdleAsync().IsCompleted;
        queue.TryComplete();

        Assert.That((pendingWhileQueued, pendingWhileBusy, idleWhileWaiting), Is.EqualTo((true, true, true)));
        Assert.That(taken, Is.EqualTo(new[] { 1, 2 }));
        Assert.That(await next, Is.False);
    }

    [Test, CancelAfter(5_000)]
    public async Task WaitForReaderIdleAsync_CompletedWhileTheReaderIsBusy_Completes(CancellationToken cancellationToken)
    {
        var queue = new BoundedQueue<int>(capacity: 4, inline: false);
        queue.TryWrite(1);
        var idle = queue.WaitForReaderIdleAsync();

        queue.TryComplete();

        await idle.WaitAsync(cancellationToken);
        Assert.That(idle.IsCompletedSuccessfully, Is.True);
    }

    [Test, CancelAfter(5_000)]
    public async Task WaitForReadAsync_ItemsQueued_CompletesWhenTheReaderTakesOne(CancellationToken cancellationToken)
    {
        var queue = new BoundedQueue<int>(capacity: 4, inline: false);
        var atOnceWhenEmpty = queue.WaitForReadAsync(cancellationToken).IsCompleted;
        queue.TryWrite(1);
        queue.TryWrite(2);

        var read = queue.WaitForReadAsync(cancellationToken);
        var pendingBefore = !read.IsCompleted;
        queue.TryRead(out _);
        await read.WaitAsync(cancellationToken);

        Assert.That((atOnceWhenEmpty, pendingBefore), Is.EqualTo((true, true)));
    }

    [Test, CancelAfter(5_000)]
    public async Task TryRemoveOldest_FullWithAWriterWaiting_LetsTheWriterIn(CancellationToken cancellationToken)
    {
        var queue = new BoundedQueue<int>(capacity: 2, inline: false);
        queue.TryWrite(1);
        queue.TryWrite(2);
        var writing = queue.WriteAsync(3, cancellationToken).AsTask();
        var blocked = !writing.IsCompleted;

        var removed = queue.TryRemoveOldest(static item => item == 1, out var oldest);
        await writing.WaitAsync(cancellationToken);

        Assert.That((blocked, removed, oldest), Is.EqualTo((true, true, 1)));
        Assert.That(Drain(queue), Is.EqualTo(new[] { 2, 3 }));
    }

    private static List<int> Drain(BoundedQueue<int> queue)
    {
        var items = new List<int>();
        while (queue.TryRead(out var item))
        {
            items.Add(item);
        }

        return items;
    }
}
