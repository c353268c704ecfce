using Microsoft.Reactive.Testing;
using RxSockets.Protocol;
using RxSockets.Protocol.Frames;
using RxSockets.Tests.Support;

namespace RxSockets.Tests.Transport;

public class BackpressureTests
{
    [Test, CancelAfter(5_000)]
    public async Task ReadLoop_NobodyConsuming_StopsReadingAndQueueStaysWithinCapacity(CancellationToken cancellationToken)
    {
        const int capacity = 2;
        const int sent = 20;
        var (connection, peer) = InMemory.Open(ConnectionRole.Server, new TestScheduler(),
            o => o.ReceiveQueueCapacity = capacity, PipePair.SmallBuffer(1024));
        var inbound = DriverProbe.Of(connection).Inbox;
        for (var i = 0; i < sent; i++)
        {
            peer.Write(peer.BuildFrame(Opcode.Binary, new byte[200]));
        }

        var flush = peer.Output.FlushAsync(cancellationToken).AsTask();
        await DriverProbe.WaitUntilReadPausedAsync(connection, cancellationToken);
        var queuedWhilePaused = inbound.Count;
        var peerBlockedWhilePaused = !flush.IsCompleted;
        var received = 0;
        var mostQueued = 0;
        await foreach (var _ in connection.ReadAllAsync(cancellationToken))
        {
            mostQueued = Math.Max(mostQueued, inbound.Count);
            if (++received == sent)
            {
                break;
            }
        }

        await flush;

        Assert.That(queuedWhilePaused, Is.EqualTo(capacity));
        Assert.That(peerBlockedWhilePaused, Is.True);
        Assert.That(mostQueued, Is.LessThanOrEqualTo(capacity));
        Assert.That(received, Is.EqualTo(sent));
        connection.Abort();
    }

    [Test, CancelAfter(5_000)]
    public async Task ReadLoop_PausedForBackpressure_ResumesWhenConsumerSubscribes(CancellationToken cancellationToken)
    {
        var (connection, peer) = InMemory.Open(ConnectionRole.Client, new TestScheduler(), o => o.ReceiveQueueCapacity = 1);
        for (var i = 0; i < 5; i++)
        {
            await peer.SendTextAsync($"m{i}", cancellationToken);
        }

        await DriverProbe.WaitUntilReadPausedAsync(connection, cancellationToken);
        var received = new RecordingObserver<Message>();
        using var subscription = connection.Incoming.Subscribe(received);
        await received.WaitForCountAsync(5, cancellationToken);

        Assert.That(received.Values.Select(m => m.GetText()), Is.EqualTo(Enumerable.Range(0, 5).Select(i => $"m{i}")));
        connection.Abort();
    }
}
