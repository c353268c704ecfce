using RxSockets.Reactive;
using RxSockets.Transport;

namespace RxSockets.Tests.Reactive;

/// <summary>ReadAllAsync over a connection's own queue (<see cref="QueueEnumerator{T}"/>): the same contract as the
/// iterator it replaces.</summary>
[FixtureLifeCycle(LifeCycle.InstancePerTestCase)]
public class QueueEnumeratorTests
{
    private readonly BoundedQueue<int> _queue = new(capacity: 4, inline: true);
    private readonly TaskCompletionSource _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly List<Exception> _faults = [];

    private ChannelObservable<int> CreateObservable() => new(_queue, _completion.Task, _faults.Add, "Items");

    [Test, CancelAfter(5_000)]
    public async Task ReadAllAsync_ItemsWhileWaitingThenFault_YieldsThemThenThrows(CancellationToken cancellationToken)
    {
        var observable = CreateObservable();
        var items = new List<int>();
        var reading = Task.Run(async () =>
        {
            await foreach (var item in observable.ReadAllAsync(cancellationToken))
            {
                items.Add(item);
            }
        }, cancellationToken);

        _queue.TryWrite(1);
        _queue.TryWrite(2);
        _queue.TryComplete();
        _completion.TrySetException(new TimeoutException("late"));
        var error = await Assert.ThrowsAsync<TimeoutException>(async () => await reading);

        Assert.That(items, Is.EqualTo(new[] { 1, 2 }));
        Assert.That(error?.Message, Is.EqualTo("late"));
    }

    [Test, CancelAfter(5_000)]
    public async Task MoveNextAsync_Waiting_CompletesOnTheWritersThreadWhenAnItemArrives(CancellationToken cancellationToken)
    {
        var observable = CreateObservable();
        await using var items = observable.ReadAllAsync(cancellationToken).GetAsyncEnumerator(cancellationToken);
        var moving = items.MoveNextAsync();
        var waitedFirst = !moving.IsCompleted;

        _queue.TryWrite(7);

        Assert.That(waitedFirst, Is.True);
        Assert.That(moving.IsCompleted, Is.True, "inline: the pending MoveNextAsync completes before TryWrite returns");
        Assert.That(await moving, Is.True);
        Assert.That(items.Current, Is.EqualTo(7));
    }

    [Test, CancelAfter(5_000)]
    public async Task GetAsyncEnumerator_TokenOfItsOwn_CancelsAWaitingMoveNext(CancellationToken cancellationToken)
    {
        var observable = CreateObservable();
        using var stop = new CancellationTokenSource();
        await using var items = observable.ReadAllAsync(cancellationToken).GetAsyncEnumerator(stop.Token);
        var moving = items.MoveNextAsync().AsTask();

        await stop.CancelAsync();

        await Assert.ThrowsAsync(Is.InstanceOf<OperationCanceledException>(), async () => await moving);
    }

    [Test, CancelAfter(5_000)]
    public async Task ReadAllAsync_SecondConcurrentEnumeration_ThrowsAndTheFirstGoesOn(CancellationToken cancellationToken)
    {
        var observable = CreateObservable();
        await using var first = observable.ReadAllAsync(cancellationToken).GetAsyncEnumerator(cancellationToken);
        var moving = first.MoveNextAsync();

        var error = await Assert.ThrowsAsync<InvalidOperationException>(async () =>
        {
            await foreach (var _ in observable.ReadAllAsync(cancellationToken))
            {
            }
        });

        _queue.TryWrite(5);
        Assert.That(error?.Message, Does.Contain("already being enumerated"));
        Assert.That(await moving, Is.True);
        Assert.That(first.Current, Is.EqualTo(5));
    }

    [Test, CancelAfter(5_000)]
    public async Task ReadAllAsync_AfterAnEnumerationWasDisposed_CanEnumerateAgain(CancellationToken cancellationToken)
    {
        var observable = CreateObservable();
        _queue.TryWrite(1);
        _queue.TryWrite(2);
        await foreach (var _ in observable.ReadAllAsync(cancellationToken))
        {
            break;
        }

        _queue.TryComplete();
        _completion.TrySetResult();
        var rest = new List<int>();
        await foreach (var item in observable.ReadAllAsync(cancellationToken))
        {
            rest.Add(item);
        }

        Assert.That(rest, Is.EqualTo(new[] { 2 }));
    }
}
