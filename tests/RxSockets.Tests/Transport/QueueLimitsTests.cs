using RxSockets.Transport;

namespace RxSockets.Tests.Transport;

public class QueueLimitsTests
{
    [Test]
    public void Of_SameBounds_IsOneSharedInstance()
    {
        Func<Probe, int> size = static probe => probe.Length;

        var first = QueueLimits<Probe>.Of(8, 1024, size);
        var second = QueueLimits<Probe>.Of(8, 1024, size);
        var otherBytes = QueueLimits<Probe>.Of(8, 2048, size);

        Assert.That(second, Is.SameAs(first));
        Assert.That(otherBytes, Is.Not.SameAs(first));
        Assert.That((otherBytes.Capacity, otherBytes.MaxBytes, otherBytes.Size), Is.EqualTo((8, 2048L, size)));
    }

    [Test]
    public void Of_MoreDistinctBoundsThanRemembered_EachAnswerHasTheBoundsAskedFor()
    {
        var answers = new List<(int Capacity, QueueLimits<Probe> Limits)>();

        // Alternating among more bounds than it remembers: every answer is right, remembered or made anew.
        for (var round = 0; round < 3; round++)
        {
            for (var capacity = 1; capacity <= 6; capacity++)
            {
                answers.Add((capacity, QueueLimits<Probe>.Of(capacity, capacity * 100L, null)));
            }
        }

        Assert.That(answers.Select(a => (a.Limits.Capacity, a.Limits.MaxBytes, a.Limits.Size)),
            Is.EqualTo(answers.Select(a => (a.Capacity, a.Capacity * 100L, (Func<Probe, int>?)null))));
    }

    [Test]
    public void Queues_MadeAlternatelyWithDifferentBounds_EachKeepsItsOwn()
    {
        var queues = Enumerable.Range(1, 6).Select(capacity => new BoundedQueue<Probe>(capacity, 1_000, static probe => probe.Length, inline: false)).ToList();
        var small = new BoundedQueue<Probe>(capacity: 10, maxBytes: 5, static probe => probe.Length, inline: false);

        var accepted = queues.Select(queue => Enumerable.Range(0, 10).Count(_ => queue.TryWrite(new Probe(1)))).ToList();
        var smallAccepted = Enumerable.Range(0, 10).Count(_ => small.TryWrite(new Probe(2)));

        Assert.That(accepted, Is.EqualTo(Enumerable.Range(1, 6)));
        Assert.That(smallAccepted, Is.EqualTo(2), "5 bytes hold two items of 2 B");
    }

    /// <summary>An item type of these tests alone: the remembered bounds are per item type, and other tests' queues of
    /// shared types run alongside.</summary>
    private sealed record Probe(int Length);
}
