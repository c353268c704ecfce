using Microsoft.Reactive.Testing;
using RxSockets.Messaging;
using RxSockets.Tests.Support;

namespace RxSockets.Tests.Messaging;

/// <summary>Requests of the messaging protocol awaiting their answer: ids, replies, typed errors, the limit, and
/// timeouts on the connection's (virtual) clock.</summary>
public class PendingRequestsTests
{
    private TestScheduler _clock = null!;

    [SetUp]
    public void NewClock() => _clock = new TestScheduler();   // one fixture instance runs every test: a clock each

    private PendingRequests Requests(int limit = 4) => new(limit, TimeSpan.FromSeconds(10), _clock);

    [Test]
    public async Task Begin_ThenReply_CompletesWithThePayload_IdsCountUp()
    {
        var requests = Requests();
        var (first, reply) = requests.Begin();
        var (second, _) = requests.Begin();

        Assert.That(requests.TryComplete(new ProtocolFrame(FrameKind.Reply) { Id = first, Payload = Message.Text("42") }), Is.True);

        Assert.That((first, second), Is.EqualTo((1L, 2L)));
        Assert.That((await reply).GetText(), Is.EqualTo("42"));
        Assert.That(requests.Count, Is.EqualTo(1));
    }

    [Test]
    public async Task Error_FailsTheRequestWithItsCodeAndReason()
    {
        var requests = Requests();
        var (id, reply) = requests.Begin();

        requests.TryComplete(new ProtocolFrame(FrameKind.Error) { Id = id, Code = MessagingErrorCodes.Forbidden, Reason = "not yours" });

        var error = await Assert.ThrowsAsync<RequestFailedException>(async () => await reply);
        Assert.That((error!.Code, error.Reason), Is.EqualTo((MessagingErrorCodes.Forbidden, "not yours")));
    }

    [Test]
    public async Task NoAnswer_TimesOutOnTheConnectionsClockExactly_AndALateReplyIsIgnored()
    {
        var requests = Requests();
        var (id, reply) = requests.Begin();

        _clock.AdvanceBy(TimeSpan.FromSeconds(10) - TimeSpan.FromTicks(1));
        var before = reply.IsCompleted;
        _clock.AdvanceBy(TimeSpan.FromTicks(1));

        Assert.That(before, Is.False);
        Assert.That((await Assert.ThrowsAsync<RequestFailedException>(async () => await reply))!.Code, Is.EqualTo(MessagingErrorCodes.Timeout));
        Assert.That(requests.TryComplete(new ProtocolFrame(FrameKind.Reply) { Id = id }), Is.False);
        Assert.That(requests.Count, Is.Zero);
    }

    [Test]
    public void Answered_ItsTimerIsGone()
    {
        var requests = Requests();
        var (id, _) = requests.Begin();

        requests.TryComplete(new ProtocolFrame(FrameKind.Reply) { Id = id });

        Assert.That(_clock.HasScheduledWork, Is.False);
    }

    [Test]
    public void Limit_MoreThanItPending_IsRefusedWithLimit_ThenRoomAgainAfterAnAnswer()
    {
        var requests = Requests(limit: 2);
        var (first, _) = requests.Begin();
        requests.Begin();

        var refused = Assert.Throws<RequestFailedException>(() => requests.Begin());
        requests.TryComplete(new ProtocolFrame(FrameKind.Reply) { Id = first });

        Assert.That(refused!.Code, Is.EqualTo(MessagingErrorCodes.Limit));
        Assert.That(requests.Begin().Id, Is.EqualTo(3));
    }

    [Test]
    public async Task FailAll_FailsEveryPendingOneAndRefusesLaterOnes()
    {
        var requests = Requests();
        var (_, a) = requests.Begin();
        var (_, b) = requests.Begin();
        var lost = new ConnectionClosedException("connection lost");

        requests.FailAll(lost);

        Assert.That(await Assert.ThrowsAsync<ConnectionClosedException>(async () => await a), Is.SameAs(lost));
        Assert.That(await Assert.ThrowsAsync<ConnectionClosedException>(async () => await b), Is.SameAs(lost));
        Assert.That(Assert.Throws<ConnectionClosedException>(() => requests.Begin()), Is.SameAs(lost));
        Assert.That(_clock.HasScheduledWork, Is.False, "no timer left behind");
    }

    [Test]
    public void Cancelled_FailsWithCancellationAndFreesItsPlace()
    {
        var requests = Requests(limit: 1);
        using var cancel = new CancellationTokenSource();
        var (_, reply) = requests.Begin(cancel.Token);

        cancel.Cancel();

        Assert.That(async () => await reply, Throws.InstanceOf<OperationCanceledException>());
        Assert.That(requests.Begin().Id, Is.EqualTo(2));
    }

    [Test]
    public void TryComplete_UnknownIdOrNotAnAnswer_FalseOrArgumentError()
    {
        var requests = Requests();

        Assert.That(requests.TryComplete(new ProtocolFrame(FrameKind.Reply) { Id = 99 }), Is.False);
        Assert.Throws<ArgumentException>(() => requests.TryComplete(new ProtocolFrame(FrameKind.Subscribe) { Id = 1, Topic = "t" }));
    }
}
