using RxSockets.Resumption;

namespace RxSockets.Tests.Resumption;

public class ReplayLogTests
{
    [Test]
    public void Append_NumbersFromOne()
    {
        var log = new ReplayLog(10, 1000);

        log.Append(Message.Text("a"));
        var second = log.Append(Message.Text("b"));

        Assert.That(second.GetText(), Is.EqualTo("d2:b"));
        Assert.That(log.NextSequence, Is.EqualTo(3));
        Assert.That(log.FirstRetained, Is.EqualTo(1));
    }

    [Test]
    public void Acknowledge_Cumulative_ForgetsUpToSequence()
    {
        var log = Filled(5);

        var accepted = log.Acknowledge(3);

        Assert.That(accepted, Is.True);
        Assert.That(log.Count, Is.EqualTo(2));
        Assert.That(log.FirstRetained, Is.EqualTo(4));
    }

    [Test]
    public void Acknowledge_NeverSent_ReturnsFalse()
    {
        var log = Filled(2);

        var accepted = log.Acknowledge(3);

        Assert.That(accepted, Is.False);
    }

    [Test]
    public void After_PeerLastReceived_ReturnsLaterMessagesInOrder()
    {
        var log = Filled(4);

        var replay = log.After(2);

        Assert.That(replay.Select(m => m.GetText()), Is.EqualTo(new[] { "d3:3", "d4:4" }));
    }

    [Test]
    public void Append_BeyondMaxMessages_DiscardsOldestAndCannotReplayTheGap()
    {
        var log = new ReplayLog(3, 1000);

        for (var i = 1; i <= 5; i++)
        {
            log.Append(Message.Text($"{i}"));
        }

        Assert.That(log.Discarded, Is.EqualTo(2));
        Assert.That(log.FirstRetained, Is.EqualTo(3));
        Assert.That(log.CanReplayAfter(1), Is.False);
        Assert.That(log.CanReplayAfter(2), Is.True);
    }

    [Test]
    public void Append_BeyondMaxBytes_KeepsNewestEvenWhenLarger()
    {
        var log = new ReplayLog(100, 10);

        log.Append(Message.Text("small"));
        log.Append(Message.Binary(new byte[50]));

        Assert.That(log.Count, Is.EqualTo(1));
        Assert.That(log.FirstRetained, Is.EqualTo(2));
    }

    [Test]
    public void CanReplayAfter_PeerClaimsUnsentMessage_ReturnsFalse()
    {
        var log = Filled(2);

        var possible = log.CanReplayAfter(3);

        Assert.That(possible, Is.False);
    }

    [Test]
    public void Reset_NumbersFromOneAgain()
    {
        var log = Filled(3);

        log.Reset();

        Assert.That(log.NextSequence, Is.EqualTo(1));
        Assert.That(log.Count, Is.Zero);
        Assert.That(log.Bytes, Is.Zero);
    }

    private static ReplayLog Filled(int count)
    {
        var log = new ReplayLog(100, 10_000);
        for (var i = 1; i <= count; i++)
        {
            log.Append(Message.Text($"{i}"));
        }

        return log;
    }
}
