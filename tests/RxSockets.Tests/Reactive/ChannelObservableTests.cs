using System.Threading.Channels;
using RxSockets.Reactive;
using RxSockets.Tests.Support;

namespace RxSockets.Tests.Reactive;

[FixtureLifeCycle(LifeCycle.InstancePerTestCase)]
public class ChannelObservableTests
{
    private readonly Channel<int> _channel = Channel.CreateBounded<int>(4);
    private readonly TaskCompletionSource _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly List<Exception> _faults = [];

    private ChannelObservable<int> CreateObservable() => new(_channel.Reader, _completion.Task, _faults.Add, "Items");

    private void Finish(Exception? error = null)
    {
        _channel.Writer.TryComplete();
        if (error is null)
        {
            _completion.TrySetResult();
        }
        else
        {
            _completion.TrySetException(error);
        }
    }

    [Test, CancelAfter(5_000)]
    public async Task Subscribe_ItemsWrittenBefore_ReceivesThemThenCompletes(CancellationToken cancellationToken)
    {
        var observable = CreateObservable();
        _channel.Writer.TryWrite(1);
        _channel.Writer.TryWrite(2);
        Finish();

        var observer = new RecordingObserver<int>();
        using var subscription = observable.Subscribe(observer);
        var terminal = await observer.Terminated.WaitAsync(cancellationToken);

        Assert.That(observer.Values, Is.EqualTo(new[] { 1, 2 }));
        Assert.That(terminal, Is.Null);
    }

    [Test, CancelAfter(5_000)]
    public async Task Subscribe_TwoObservers_BothReceiveEveryItem(CancellationToken cancellationToken)
    {
        var observable = CreateObservable();
        var first = new RecordingObserver<int>();
        var second = new RecordingObserver<int>();
        using var a = observable.Subscribe(first);
        using var b = observable.Subscribe(second);

        await _channel.Writer.WriteAsync(1, cancellationToken);
        await _channel.Writer.WriteAsync(2, cancellationToken);
        await first.WaitForCountAsync(2, cancellationToken);
        await second.WaitForCountAsync(2, cancellationToken);

        Assert.That(first.Values, Is.EqualTo(new[] { 1, 2 }));
        Assert.That(second.Values, Is.EqualTo(new[] { 1, 2 }));
    }

    [Test, CancelAfter(5_000)]
    public async Task Subscribe_CompletionFaults_ObserverGetsOnError(CancellationToken cancellationToken)
    {
        var observable = CreateObservable();
        var observer = new RecordingObserver<int>();
        using var subscription = observable.Subscribe(observer);
        var failure = new InvalidOperationException("boom");

        _channel.Writer.TryWrite(7);
        Finish(failure);
        var terminal = await observer.Terminated.WaitAsync(cancellationToken);

        Assert.That(observer.Values, Is.EqualTo(new[] { 7 }));
        Assert.That(terminal, Is.SameAs(failure));
    }

    [Test, CancelAfter(5_000)]
    public async Task Subscribe_AllUnsubscribe_ItemsWaitForNextSubscriber(CancellationToken cancellationToken)
    {
        var observable = CreateObservable();
        var first = new RecordingObserver<int>();
        var subscription = observable.Subscribe(first);
        await _channel.Writer.WriteAsync(1, cancellationToken);
        await first.WaitForCountAsync(1, cancellationToken);
        subscription.Dispose();

        await _channel.Writer.WriteAsync(2, cancellationToken);
        await _channel.Writer.WriteAsync(3, cancellationToken);
        var second = new RecordingObserver<int>();
        using var again = observable.Subscribe(second);
        await second.WaitForCountAsync(2, cancellationToken);

        Assert.That(first.Values, Is.EqualTo(new[] { 1 }));
        Assert.That(second.Values, Is.EqualTo(new[] { 2, 3 }));
    }

    [Test, CancelAfter(5_000)]
    public async Task Subscribe_ObserverThrows_ReportedAndOthersContinue(CancellationToken cancellationToken)
    {
        var observable = CreateObservable();
        using var faulty = observable.Subscribe(new Observer<int>(_ => throw new InvalidOperationException("bad observer")));
        var healthy = new RecordingObserver<int>();
        using var subscription = observable.Subscribe(healthy);

        await _channel.Writer.WriteAsync(1, cancellationToken);
        await _channel.Writer.WriteAsync(2, cancellationToken);
        await healthy.WaitForCountAsync(2, cancellationToken);

        Assert.That(healthy.Values, Is.EqualTo(new[] { 1, 2 }));
        Assert.That(_faults, Has.Count.EqualTo(1));
        Assert.That(_faults[0].Message, Is.EqualTo("bad observer"));
    }

    [Test, CancelAfter(5_000)]
    public async Task ReadAllAsync_ItemsThenFault_YieldsItemsThenThrows(CancellationToken cancellationToken)
    {
        var observable = CreateObservable();
        _channel.Writer.TryWrite(1);
        _channel.Writer.TryWrite(2);
        Finish(new TimeoutException("late"));

        var items = new List<int>();
        var error = await Assert.ThrowsAsync<TimeoutException>(async () =>
        {
            await foreach (var item in observable.ReadAllAsync(cancellationToken))
            {
                items.Add(item);
            }
        });

        Assert.That(items, Is.EqualTo(new[] { 1, 2 }));
        Assert.That(error?.Message, Is.EqualTo("late"));
    }

    [Test, CancelAfter(5_000)]
    public async Task ReadAllAsync_SecondConcurrentEnumeration_Throws(CancellationToken cancellationToken)
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

        Assert.That(error?.Message, Does.Contain("already being enumerated"));
        _channel.Writer.TryWrite(5);
        Assert.That(await moving, Is.True);
        Assert.That(first.Current, Is.EqualTo(5));
    }

    [Test, CancelAfter(5_000)]
    public async Task ReadAllAsync_AfterEnumerationEnded_CanEnumerateAgain(CancellationToken cancellationToken)
    {
        var observable = CreateObservable();
        _channel.Writer.TryWrite(1);
        _channel.Writer.TryWrite(2);
        await foreach (var _ in observable.ReadAllAsync(cancellationToken))
        {
            break;
        }

        var rest = new List<int>();
        Finish();
        await foreach (var item in observable.ReadAllAsync(cancellationToken))
        {
            rest.Add(item);
        }

        Assert.That(rest, Is.EqualTo(new[] { 2 }));
    }

    [Test, CancelAfter(5_000)]
    public async Task Subscribe_AfterReadAllAsyncStarted_ThrowsInvalidOperation(CancellationToken cancellationToken)
    {
        var observable = CreateObservable();
        await using var enumerator = observable.ReadAllAsync(cancellationToken).GetAsyncEnumerator(cancellationToken);
        var moving = enumerator.MoveNextAsync();

        Assert.Throws<InvalidOperationException>(() => observable.Subscribe(new RecordingObserver<int>()));

        Finish();
        Assert.That(await moving, Is.False);
    }
}
