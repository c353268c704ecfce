using System.Reactive.Subjects;
using Microsoft.Reactive.Testing;
using RxSockets.Tests.Support;

namespace RxSockets.Tests.Reactive;

public class MessageFlowExtensionsTests
{
    [Test]
    public void Mailbox_DropOldestWhileSubscriberBusy_DeliversNewestAndCountsDrops()
    {
        var clock = new TestScheduler();
        using var source = new Subject<int>();
        var statistics = new FlowStatistics();
        var received = new List<int>();
        using var subscription = source.Mailbox(2, MailboxOverflow.DropOldest, statistics, clock).Subscribe(received.Add);

        foreach (var value in new[] { 1, 2, 3, 4, 5 })
        {
            source.OnNext(value);
        }

        clock.Start();

        Assert.That(received, Is.EqualTo(new[] { 4, 5 }));
        Assert.That(statistics.Dropped, Is.EqualTo(3));
        Assert.That(statistics.Delivered, Is.EqualTo(2));
        Assert.That(statistics.Received, Is.EqualTo(5));
        Assert.That(statistics.Pending, Is.Zero);
    }

    [Test]
    public void Mailbox_DropNewestWhileSubscriberBusy_KeepsOldestAndCountsDrops()
    {
        var clock = new TestScheduler();
        using var source = new Subject<int>();
        var statistics = new FlowStatistics();
        var received = new List<int>();
        using var subscription = source.Mailbox(2, MailboxOverflow.DropNewest, statistics, clock).Subscribe(received.Add);

        foreach (var value in new[] { 1, 2, 3, 4, 5 })
        {
            source.OnNext(value);
        }

        clock.Start();

        Assert.That(received, Is.EqualTo(new[] { 1, 2 }));
        Assert.That(statistics.Dropped, Is.EqualTo(3));
    }

    [Test]
    public void Mailbox_ErrorPolicyOverflows_DeliversWaitingValuesThenFailsAndUnsubscribes()
    {
        var clock = new TestScheduler();
        using var source = new Subject<int>();
        var observer = new RecordingObserver<int>();
        using var subscription = source.Mailbox(2, MailboxOverflow.Error, scheduler: clock).Subscribe(observer);

        source.OnNext(1);
        source.OnNext(2);
        source.OnNext(3);
        clock.Start();

        Assert.That(observer.Values, Is.EqualTo(new[] { 1, 2 }));
        Assert.That(observer.Terminated.Result, Is.InstanceOf<InvalidOperationException>());
        Assert.That(source.HasObservers, Is.False);
    }

    [Test]
    public void Mailbox_SubscriberKeepsUp_DeliversEverythingInOrderThenCompletes()
    {
        var clock = new TestScheduler();
        using var source = new Subject<int>();
        var statistics = new FlowStatistics();
        var observer = new RecordingObserver<int>();
        using var subscription = source.Mailbox(1, MailboxOverflow.Error, statistics, clock).Subscribe(observer);

        source.OnNext(1);
        clock.Start();
        source.OnNext(2);
        clock.Start();
        source.OnNext(3);
        source.OnCompleted();
        clock.Start();

        Assert.That(observer.Values, Is.EqualTo(new[] { 1, 2, 3 }));
        Assert.That(observer.Terminated.IsCompletedSuccessfully && observer.Terminated.Result is null, Is.True);
        Assert.That(statistics.Dropped, Is.Zero);
    }

    [Test]
    public void Mailbox_ZeroCapacity_ThrowsArgumentOutOfRange()
    {
        using var source = new Subject<int>();

        var error = Assert.Throws<ArgumentOutOfRangeException>(() => source.Mailbox(0, MailboxOverflow.DropOldest));

        Assert.That(error?.ParamName, Is.EqualTo("capacity"));
    }

    [Test]
    public void Conflate_SubscriberBusy_DeliversOnlyTheLatestValue()
    {
        var clock = new TestScheduler();
        var statistics = new FlowStatistics();
        // Three values arrive at 300 before the subscriber's turn (the scheduler runs it one tick later), a fourth at 500.
        var source = clock.CreateHotObservable(
            ReactiveTest.OnNext(300, 1), ReactiveTest.OnNext(300, 2), ReactiveTest.OnNext(300, 3), ReactiveTest.OnNext(500, 4));

        var results = clock.Start(() => source.Conflate(statistics, clock));

        Assert.That(results.Messages, Is.EqualTo(new[] { ReactiveTest.OnNext(301, 3), ReactiveTest.OnNext(501, 4) }));
        Assert.That(statistics.Dropped, Is.EqualTo(2));
        Assert.That(source.Subscriptions, Is.EqualTo(new[] { new Subscription(ReactiveTest.Subscribed, ReactiveTest.Disposed) }));
    }

    [Test]
    public void Conflate_SourceCompletes_DeliversTheLastValueThenCompletes()
    {
        var clock = new TestScheduler();
        var source = clock.CreateHotObservable(
            ReactiveTest.OnNext(300, "a"), ReactiveTest.OnNext(300, "b"), ReactiveTest.OnCompleted<string>(300));

        var results = clock.Start(() => source.Conflate(scheduler: clock));

        Assert.That(results.Messages, Is.EqualTo(new[] { ReactiveTest.OnNext(301, "b"), ReactiveTest.OnCompleted<string>(301) }));
    }

    [Test]
    public void ConflateByKey_SubscriberBusy_DeliversNewestOfEveryKeyInWaitingOrder()
    {
        var clock = new TestScheduler();
        using var source = new Subject<(string Symbol, int Price)>();
        var statistics = new FlowStatistics();
        var received = new List<(string, int)>();
        using var subscription = source.ConflateByKey(tick => tick.Symbol, statistics, clock).Subscribe(received.Add);

        source.OnNext(("A", 1));
        source.OnNext(("B", 1));
        source.OnNext(("A", 2));
        source.OnNext(("C", 1));
        source.OnNext(("B", 2));
        source.OnNext(("A", 3));
        clock.Start();

        Assert.That(received, Is.EqualTo(new[] { ("A", 3), ("B", 2), ("C", 1) }));
        Assert.That(statistics.Dropped, Is.EqualTo(3));
        Assert.That(statistics.Delivered, Is.EqualTo(3));
    }

    [Test]
    public void ConflateByKey_KeySelectorThrows_FailsThisSubscriberOnly()
    {
        var clock = new TestScheduler();
        using var source = new Subject<string?>();
        var conflated = new RecordingObserver<string?>();
        var direct = new List<string?>();
        using var first = source.ConflateByKey(text => text!.Length, scheduler: clock).Subscribe(conflated);
        using var second = source.Subscribe(direct.Add);

        source.OnNext("a");
        source.OnNext(null);
        source.OnNext("bb");
        clock.Start();

        Assert.That(conflated.Values, Is.EqualTo(new[] { "a" }));
        Assert.That(conflated.Terminated.Result, Is.InstanceOf<NullReferenceException>());
        Assert.That(direct, Is.EqualTo(new[] { "a", null, "bb" }));
    }

    [Test]
    public void Drops_SeveralOperatorsShareStatistics_EmitsRunningTotal()
    {
        var clock = new TestScheduler();
        using var source = new Subject<int>();
        var statistics = new FlowStatistics();
        var totals = new List<long>();
        using var watching = statistics.Drops.Subscribe(totals.Add);
        using var latest = source.Conflate(statistics, clock).Subscribe(_ => { });
        using var bounded = source.Mailbox(1, MailboxOverflow.DropNewest, statistics, clock).Subscribe(_ => { });

        source.OnNext(1);
        source.OnNext(2);
        clock.Start();

        Assert.That(totals, Is.EqualTo(new long[] { 1, 2 }));
        Assert.That(statistics.Dropped, Is.EqualTo(2));
        Assert.That(statistics.Delivered, Is.EqualTo(2));
    }

    [Test]
    public void Mailbox_SubscriptionDisposedWithValuesWaiting_DeliversNothingMore()
    {
        var clock = new TestScheduler();
        using var source = new Subject<int>();
        var received = new List<int>();
        var subscription = source.Mailbox(4, MailboxOverflow.DropOldest, scheduler: clock).Subscribe(received.Add);

        source.OnNext(1);
        subscription.Dispose();
        clock.Start();

        Assert.That(received, Is.Empty);
        Assert.That(source.HasObservers, Is.False);
    }
}
