using Microsoft.Reactive.Testing;
using RxSockets.Tests.Support;
using RxSockets.Transport;
using RxSockets.Transport.Sockets;

namespace RxSockets.Tests.Transport;

public class InboxTests
{
    [Test, CancelAfter(5_000)]
    public async Task DeliverSlowAsync_ClosingWhileTheConsumerIsBehind_DropsItAndEveryLaterMessage(CancellationToken cancellationToken)
    {
        var inbox = new Inbox(capacity: 1, maxBytes: long.MaxValue, inline: false);
        Assert.That(Deliver(inbox, Message.Text("a")), Is.True);
        Assert.That(Deliver(inbox, Message.Text("b")), Is.False, "the queue is full");

        var waiting = inbox.DeliverSlowAsync(Message.Text("b"), ConnectionRole.Server, heartbeat: null);
        var pausedWhileWaiting = inbox.IsReadPaused;
        inbox.SignalClosing();
        await waiting.AsTask().WaitAsync(cancellationToken);
        Assert.That(inbox.TryRead(out var first), Is.True);
        var laterTaken = Deliver(inbox, Message.Text("c"));

        Assert.That((pausedWhileWaiting, inbox.IsReadPaused), Is.EqualTo((true, false)));
        Assert.That(first.GetText(), Is.EqualTo("a"));
        Assert.That(laterTaken, Is.True, "a message after the hole is handled (counted), not waited for");
        Assert.That(inbox.Count, Is.Zero, "nothing is delivered after the lost message");
        Assert.That(inbox.Dropped, Is.EqualTo(2));
    }

    [Test, CancelAfter(5_000)]
    public async Task ParkAsync_WaitsForResume_AndTheClosingSignalEndsTheNextPark(CancellationToken cancellationToken)
    {
        var inbox = new Inbox(capacity: 4, maxBytes: long.MaxValue, inline: false);
        var transport = new PipeTransport(PipePair.Create().Local);
        var outbox = new IdleQueue();

        inbox.Pause(transport);
        var shouldPark = inbox.ShouldPark;
        var parking = inbox.ParkAsync(outbox, heartbeat: null);
        var parked = inbox.IsParked && !parking.IsCompleted;
        inbox.Resume();
        await parking.AsTask().WaitAsync(cancellationToken);

        inbox.Pause(transport);
        var parkingAgain = inbox.ParkAsync(outbox, heartbeat: null);
        var parkedAgain = !parkingAgain.IsCompleted;
        inbox.SignalClosing();
        await parkingAgain.AsTask().WaitAsync(cancellationToken);

        Assert.That((shouldPark, parked, parkedAgain), Is.EqualTo((true, true, true)));
        Assert.That(inbox.IsParked, Is.False);
        Assert.That((inbox.IsPaused, inbox.ShouldPark), Is.EqualTo((true, false)), "closing: the peer's close frame must be read");
    }

    [Test, CancelAfter(5_000)]
    public async Task LetConsumerAnswerAsync_AConsumerThatNeverComesBack_IsWaitedForAnswerGraceOnTheClock(CancellationToken cancellationToken)
    {
        var clock = new TestScheduler();
        var inbox = new Inbox(capacity: 4, maxBytes: long.MaxValue, inline: false);
        Deliver(inbox, Message.Text("unanswered"));
        inbox.ReleaseDeferredWake();

        var waiting = inbox.LetConsumerAnswerAsync(clock).AsTask();
        clock.AdvanceBy(Inbox.AnswerGrace.Ticks - 1);
        var waitingBeforeGrace = !waiting.IsCompleted;
        clock.AdvanceBy(1);
        await waiting.WaitAsync(cancellationToken);

        Assert.That(waitingBeforeGrace, Is.True);
    }

    [Test]
    public void LetConsumerAnswerAsync_NothingDelivered_CompletesAtOnce()
    {
        var inbox = new Inbox(capacity: 4, maxBytes: long.MaxValue, inline: false);

        var answered = inbox.LetConsumerAnswerAsync(new TestScheduler()).AsTask();

        Assert.That(answered.IsCompleted, Is.True);
    }

    [Test]
    public void ClosingToken_AskedForAfterTheClosingSignal_IsAlreadyCancelled()
    {
        var inbox = new Inbox(capacity: 4, maxBytes: long.MaxValue, inline: false);

        inbox.SignalClosing();   // nothing waited yet: there is no source to cancel
        var token = inbox.ClosingToken();

        Assert.That(token.IsCancellationRequested, Is.True);
        Assert.That(inbox.Dropped, Is.Zero);
    }

    [Test]
    public async Task ParkAsync_ResumedBeforeThePark_ReturnsAtOnce()
    {
        var inbox = new Inbox(capacity: 4, maxBytes: long.MaxValue, inline: false);
        var transport = new PipeTransport(PipePair.Create().Local);

        inbox.Pause(transport);
        inbox.Resume();
        var parking = inbox.ParkAsync(new IdleQueue(), heartbeat: null);
        var atOnce = parking.IsCompletedSuccessfully;
        await parking;

        Assert.That(atOnce, Is.True);
        Assert.That((inbox.IsPaused, inbox.IsParked, inbox.ShouldPark), Is.EqualTo((false, false, false)));
    }

    /// <summary>A send queue with nothing to write: a park wakes it for the replies of the last batch.</summary>
    private sealed class IdleQueue : SendQueue
    {
        protected override int Capacity => 1;

        protected override long MaxBytes => 1;

        protected override Task WritePassAsync()
        {
            TryGoIdle();
            return Task.CompletedTask;
        }
    }

    /// <summary>Delivery without a message handler: true when queued (or counted as dropped), false when full.</summary>
    private static bool Deliver(Inbox inbox, Message message) =>
        inbox.TryDeliver(message, ConnectionRole.Server, out _) != DirectWrite.Refused;
}
