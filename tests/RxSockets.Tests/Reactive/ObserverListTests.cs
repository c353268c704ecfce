using RxSockets.Reactive;
using RxSockets.Tests.Support;

namespace RxSockets.Tests.Reactive;

public class ObserverListTests
{
    [Test]
    public void Next_ObserverThrows_IsRemovedAndReported()
    {
        var faults = new List<Exception>();
        var list = new ObserverList<int>(faults.Add);
        var calls = 0;
        list.Subscribe(new Observer<int>(_ =>
        {
            calls++;
            throw new InvalidOperationException("bad");
        }));
        var healthy = new RecordingObserver<int>();
        list.Subscribe(healthy);

        list.Next(1);
        list.Next(2);

        Assert.That(calls, Is.EqualTo(1));
        Assert.That(faults, Has.Count.EqualTo(1));
        Assert.That(healthy.Values, Is.EqualTo(new[] { 1, 2 }));
    }

    [Test]
    public void Subscribe_AfterError_ReceivesTheError()
    {
        var list = new ObserverList<int>();
        var failure = new InvalidOperationException("over");
        list.Error(failure);

        var late = new RecordingObserver<int>();
        list.Subscribe(late);

        Assert.That(late.Terminated.IsCompletedSuccessfully, Is.True);
        Assert.That(late.Terminated.Result, Is.SameAs(failure));
    }

    [Test]
    public void Complete_Twice_NotifiesOnce()
    {
        var list = new ObserverList<int>();
        var completions = 0;
        list.Subscribe(new Observer<int>(_ => { }, onCompleted: () => completions++));

        list.Complete();
        list.Complete();
        list.Error(new InvalidOperationException());

        Assert.That(completions, Is.EqualTo(1));
        Assert.That(list.HasObservers, Is.False);
    }

    [Test]
    public void Dispose_Subscription_StopsDelivery()
    {
        var list = new ObserverList<int>();
        var observer = new RecordingObserver<int>();
        var subscription = list.Subscribe(observer);
        list.Next(1);

        subscription.Dispose();
        list.Next(2);

        Assert.That(observer.Values, Is.EqualTo(new[] { 1 }));
        Assert.That(list.HasObservers, Is.False);
    }
}
