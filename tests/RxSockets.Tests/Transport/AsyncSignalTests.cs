using RxSockets.Transport;

namespace RxSockets.Tests.Transport;

public class AsyncSignalTests
{
    [Test]
    public void WaitAsync_SetBefore_CompletesAtOnce()
    {
        var signal = new AsyncSignal();
        signal.Set();

        var wait = signal.WaitAsync();

        Assert.That(wait.IsCompletedSuccessfully, Is.True);
    }

    [Test, CancelAfter(5_000)]
    public async Task WaitAsync_SetAfter_CompletesOnSet(CancellationToken cancellationToken)
    {
        var signal = new AsyncSignal();
        var wait = signal.WaitAsync().AsTask();
        var pendingBeforeSet = !wait.IsCompleted;

        signal.Set();
        await wait.WaitAsync(cancellationToken);

        Assert.That(pendingBeforeSet, Is.True);
    }

    [Test]
    public void WaitAsync_SeveralSetsBeforeWait_AreRememberedOnce()
    {
        var signal = new AsyncSignal();
        signal.Set();
        signal.Set();

        var first = signal.WaitAsync();
        var second = signal.WaitAsync();

        Assert.That(first.IsCompletedSuccessfully, Is.True);
        Assert.That(second.IsCompleted, Is.False);
        signal.Set();
        Assert.That(second.IsCompletedSuccessfully, Is.True);
    }

    [Test, CancelAfter(10_000)]
    public async Task WaitAsync_ManySettersRacingOneWaiter_NeverLosesTheLastSignal(CancellationToken cancellationToken)
    {
        const int perSetter = 20_000;
        var signal = new AsyncSignal();
        var produced = 0;
        var setters = Enumerable.Range(0, 2).Select(_ => Task.Run(() =>
        {
            for (var i = 0; i < perSetter; i++)
            {
                Interlocked.Increment(ref produced);
                signal.Set();
            }
        }, cancellationToken)).ToArray();

        while (Volatile.Read(ref produced) < 2 * perSetter)
        {
            await signal.WaitAsync().AsTask().WaitAsync(cancellationToken);
        }

        await Task.WhenAll(setters);
        Assert.That(Volatile.Read(ref produced), Is.EqualTo(2 * perSetter));
    }
}
