using RxSockets.Transport.Epoll;

namespace RxSockets.Tests.Transport.Epoll;

public class EpollEngineTests
{
    [Test, CancelAfter(10_000)]
    public async Task ParkedRead_DataArrives_ResumesOnTheEpollLoopThreadThatWasWoken(CancellationToken cancellationToken)
    {
        await using var pair = await EpollPair.CreateAsync(cancellationToken);
        var resumedOn = new TaskCompletionSource<string?>(TaskCreationOptions.RunContinuationsAsynchronously);
        var read = pair.Server.Input.ReadAsync(cancellationToken);
        Assert.That(read.IsCompleted, Is.False, "nothing was sent yet: the read must park");
        var awaiter = read.ConfigureAwait(false).GetAwaiter();
        awaiter.UnsafeOnCompleted(() => resumedOn.TrySetResult(Thread.CurrentThread.Name));

        await pair.Peer.SendAsync("x"u8.ToArray(), cancellationToken);
        var thread = await resumedOn.Task.WaitAsync(cancellationToken);
        var result = awaiter.GetResult();
        pair.Server.Input.AdvanceTo(result.Buffer.End);

        // No hand-off to the thread pool: the loop thread the kernel woke runs the reader's continuation.
        Assert.That(thread, Does.StartWith("RxSockets epoll"));
    }

    [Test, CancelAfter(30_000)]
    public async Task EveryLoopThreadBlockedByAConsumer_AnotherLoopIsAddedAndOtherConnectionsAreStillRead(CancellationToken cancellationToken)
    {
        var engine = EpollEngine.Shared;
        Assume.That(engine, Is.Not.Null, "the epoll transport runs on x86-64 Linux only");
        using var release = new ManualResetEventSlim();
        var blockers = new List<EpollPair>();
        try
        {
            // Park a read per loop thread whose continuation blocks the loop thread it runs on, one at a time, so each
            // event finds a different loop thread waiting.
            while (blockers.Count < engine!.Loops)
            {
                var pair = await EpollPair.CreateAsync(cancellationToken);
                blockers.Add(pair);
                var blocking = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
                var parked = pair.Server.Input.ReadAsync(cancellationToken);
                var awaiter = parked.ConfigureAwait(false).GetAwaiter();
                awaiter.UnsafeOnCompleted(() =>
                {
                    var onLoop = Thread.CurrentThread.Name?.StartsWith("RxSockets epoll", StringComparison.Ordinal) == true;
                    blocking.TrySetResult(onLoop);
                    if (onLoop)
                    {
                        release.Wait(CancellationToken.None);   // a consumer that blocks its thread
                    }
                });
                await pair.Peer.SendAsync("block"u8.ToArray(), cancellationToken);
                Assert.That(await blocking.Task.WaitAsync(cancellationToken), Is.True, "the read should resume on a loop thread");
            }

            await using var other = await EpollPair.CreateAsync(cancellationToken);
            var reading = other.Server.Input.ReadAsync(cancellationToken);
            Assert.That(reading.IsCompleted, Is.False, "the read must wait for an event, which no loop thread is free to take");
            await other.Peer.SendAsync("still served"u8.ToArray(), cancellationToken);
            var read = await reading;
            other.Server.Input.AdvanceTo(read.Buffer.End);

            Assert.That(read.Buffer.Length, Is.GreaterThan(0));
            Assert.That(engine.Loops, Is.GreaterThan(blockers.Count), "the starvation check should have added a loop thread");
        }
        finally
        {
            release.Set();
            foreach (var pair in blockers)
            {
                await pair.DisposeAsync();
            }
        }
    }
}
