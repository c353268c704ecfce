using RxSockets.Resumption;

namespace RxSockets.Tests.Resumption;

public class ResumeStreamTests
{
    [Test]
    public void Check_InOrderDuplicateAndGap_AreTold()
    {
        var stream = new ResumeStream(new ResumeOptions());
        stream.Commit(1);

        Assert.That(stream.Check(1), Is.EqualTo(InboundVerdict.Duplicate));
        Assert.That(stream.Check(2), Is.EqualTo(InboundVerdict.Next));
        Assert.That(stream.Check(3), Is.EqualTo(InboundVerdict.Gap));
    }

    [Test]
    public void Commit_AckEveryReached_AsksForAck()
    {
        var stream = new ResumeStream(new ResumeOptions { AckEvery = 3 });

        var afterTwo = stream.Commit(1) | stream.Commit(2);
        var afterThree = stream.Commit(3);

        Assert.That(afterTwo, Is.False);
        Assert.That(afterThree, Is.True);
    }

    [Test]
    public void TryGetAck_AfterMarkAckSent_HasNothingUntilMoreArrives()
    {
        var stream = new ResumeStream(new ResumeOptions());
        stream.Commit(1);
        stream.TryGetAck(out var first);
        stream.MarkAckSent(first);

        var pending = stream.TryGetAck(out _);
        stream.Commit(2);
        var later = stream.TryGetAck(out var second);

        Assert.That(first, Is.EqualTo(1));
        Assert.That(pending, Is.False);
        Assert.That(later, Is.True);
        Assert.That(second, Is.EqualTo(2));
    }

    [Test]
    public void Resume_PeerReceivedSome_ReturnsTheRestAndAcknowledgesTheOthers()
    {
        var stream = new ResumeStream(new ResumeOptions());
        for (var i = 1; i <= 4; i++)
        {
            stream.Wrap(Message.Text($"{i}"));
        }

        var replay = stream.Resume(peerLastReceived: 2);

        Assert.That(replay.Select(m => m.GetText()), Is.EqualTo(new[] { "d3:3", "d4:4" }));
        Assert.That(stream.FirstRetained, Is.EqualTo(3));
    }

    [Test]
    public void Resume_AfterReceiving_DoesNotAckWhatThePeerLearntInTheHandshake()
    {
        var stream = new ResumeStream(new ResumeOptions());
        stream.Commit(1);

        stream.Resume(0);
        var pending = stream.TryGetAck(out _);

        Assert.That(pending, Is.False);
    }

    [Test]
    public void AllAcknowledged_AfterCumulativeAck_IsTrue()
    {
        var stream = new ResumeStream(new ResumeOptions());
        stream.Wrap(Message.Text("a"));
        stream.Wrap(Message.Text("b"));

        var before = stream.AllAcknowledged;
        stream.Acknowledge(2);

        Assert.That(before, Is.False);
        Assert.That(stream.AllAcknowledged, Is.True);
    }

    [Test]
    public void Reset_ForgetsBothDirections()
    {
        var stream = new ResumeStream(new ResumeOptions());
        stream.Wrap(Message.Text("a"));
        stream.Commit(1);

        stream.Reset();

        Assert.That(stream.LastReceived, Is.Zero);
        Assert.That(stream.FirstRetained, Is.EqualTo(1));
        Assert.That(stream.Check(1), Is.EqualTo(InboundVerdict.Next));
    }
}
