using System.Buffers;
using RxSockets.Tests.Support;
using RxSockets.Transport;
using RxSockets.Transport.Sockets;

namespace RxSockets.Tests.Transport;

/// <summary>The <see cref="Outbox"/> of a driver that is never started: nothing reads, so only what the outbox does
/// reaches the peer's end of the pipe.</summary>
public class OutboxTests
{
    [Test, CancelAfter(5_000)]
    public async Task TrySend_TheWriterPassFramesItWithTheProtocolIntoTheTransport(CancellationToken cancellationToken)
    {
        var (driver, peer) = Open();

        var queued = driver.Outbox.TrySend(Message.Text("hi"));
        var bytes = await ReadAsync(peer, 4, cancellationToken);

        Assert.That(queued, Is.True);
        Assert.That(bytes, Is.EqualTo(new byte[] { 0x81, 0x02, (byte)'h', (byte)'i' }), "a server's unmasked text frame");
        Assert.That(driver.Outbox.BufferedAmount, Is.Zero);
    }

    [Test, CancelAfter(5_000)]
    public async Task WaitForPongsTakenAsync_AtTheBound_EndsTheBatchAndReturnsOnceTheWriterTookThem(CancellationToken cancellationToken)
    {
        var (driver, peer) = Open();
        var outbox = driver.Outbox;
        outbox.BeginBatch();   // as the read loop does: nothing is written before the batch ends
        var full = Enumerable.Range(0, Outbox.MaxPendingPongs).Select(_ => outbox.QueuePong([1])).ToArray();

        var readOn = await outbox.WaitForPongsTakenAsync(cancellationToken).AsTask().WaitAsync(cancellationToken);
        var bytes = await ReadAsync(peer, 3 * Outbox.MaxPendingPongs, cancellationToken);

        Assert.That(full.Count(f => f), Is.EqualTo(1), "only the pong that reaches the bound asks the read loop to wait");
        Assert.That(full[^1], Is.True);
        Assert.That(readOn, Is.True);
        Assert.That(outbox.IsPongPaused, Is.False);
        Assert.That(bytes.Where((_, i) => i % 3 == 0), Is.All.EqualTo(0x8A), "pong frames");
    }

    [Test, CancelAfter(5_000)]
    public async Task Abort_RefusesSendsAndEndsTheWaitForPongs(CancellationToken cancellationToken)
    {
        var (driver, _) = Open();
        using var closing = new CancellationTokenSource();

        driver.Abort();
        closing.Cancel();   // as the driver's closing signal does on an abort
        var readOn = await driver.Outbox.WaitForPongsTakenAsync(closing.Token);

        Assert.That(driver.Outbox.IsAborted, Is.True);
        Assert.That(readOn, Is.False, "reading stops");
        Assert.That(driver.Outbox.ClosedError(), Is.Not.Null);
        Assert.That(async () => await driver.Outbox.SendAsync(Message.Text("late"), cancellationToken), Throws.InstanceOf<ConnectionClosedException>());
    }

    private static (ConnectionDriver Driver, System.IO.Pipelines.IDuplexPipe Peer) Open()
    {
        var (local, remote) = PipePair.Create();
        var settings = new WebSocketServerOptions().ToSettings();
        return (new ConnectionDriver(new PipeTransport(local), ConnectionRole.Server, settings, new NullObserver()), remote);
    }

    private static async Task<byte[]> ReadAsync(System.IO.Pipelines.IDuplexPipe peer, int count, CancellationToken cancellationToken)
    {
        while (true)
        {
            var result = await peer.Input.ReadAsync(cancellationToken);
            if (result.Buffer.Length >= count || result.IsCompleted)
            {
                var bytes = result.Buffer.Slice(0, Math.Min(count, result.Buffer.Length)).ToArray();
                peer.Input.AdvanceTo(result.Buffer.End);
                return bytes;
            }

            peer.Input.AdvanceTo(result.Buffer.Start, result.Buffer.End);
        }
    }

    private sealed class NullObserver : IConnectionObserver
    {
        public void OnStateChanged(ConnectionState state)
        {
        }

        public void OnPing(ReadOnlyMemory<byte> payload)
        {
        }

        public void OnPong(ReadOnlyMemory<byte> payload)
        {
        }

        public void OnRoundTrip(TimeSpan rtt)
        {
        }
    }
}
