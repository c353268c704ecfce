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

    [Test, CancelAfter(10_000)]
    public async Task WriterPass_FlushesOncePerTheTransportsWriteBatch(CancellationToken cancellationToken)
    {
        // Four 64 KiB messages queued in one batch: a transport with the default batch (64 KiB) gets one flush per
        // message, one whose batch has grown to 256 KiB (the epoll writer's, see EpollPipeWriterTests) one for all four.
        var asDefault = await FlushesForFourLargeMessagesAsync(ITransport.DefaultWriteBatchSize, cancellationToken);
        var asGrown = await FlushesForFourLargeMessagesAsync(256 * 1024, cancellationToken);

        Assert.That((asDefault, asGrown), Is.EqualTo((4, 1)));
    }

    private static async Task<int> FlushesForFourLargeMessagesAsync(int batch, CancellationToken cancellationToken)
    {
        var (local, remote) = PipePair.Create();
        var transport = new CountingTransport(local, batch);
        var driver = new ConnectionDriver(transport, ConnectionRole.Server, new WebSocketServerOptions().ToSettings(), new NullObserver());
        var outbox = driver.Outbox;
        outbox.BeginBatch();   // as the read loop does: nothing is written before the batch ends
        for (var i = 0; i < 4; i++)
        {
            Assert.That(outbox.TrySend(Message.Binary(new byte[64 * 1024])), Is.True);
        }

        outbox.EndBatch(wake: true);
        var bytes = await ReadAsync(remote, 4 * (64 * 1024 + 10), cancellationToken);   // 10: the header of a 64 KiB frame
        Assert.That(bytes, Has.Length.EqualTo(4 * (64 * 1024 + 10)));
        return transport.Flushes;
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

    /// <summary>A pipe transport with a write batch of its own that counts its writer's flushes.</summary>
    private sealed class CountingTransport(System.IO.Pipelines.IDuplexPipe pipe, int batch) : ITransport
    {
        private readonly CountingWriter _output = new(pipe.Output);

        public int Flushes => _output.Flushes;

        public System.IO.Pipelines.PipeReader Input => pipe.Input;

        public System.IO.Pipelines.PipeWriter Output => _output;

        public System.Net.IPEndPoint? RemoteEndPoint => null;

        public int WriteBatchSize => batch;

        public void ShutdownOutput() => pipe.Output.Complete();

        public async ValueTask CloseAsync(bool shutdownFirst)
        {
            await pipe.Input.CompleteAsync();
            await pipe.Output.CompleteAsync();
        }
    }

    private sealed class CountingWriter(System.IO.Pipelines.PipeWriter inner) : System.IO.Pipelines.PipeWriter
    {
        private int _flushes;

        public int Flushes => Volatile.Read(ref _flushes);

        public override void Advance(int bytes) => inner.Advance(bytes);

        public override Memory<byte> GetMemory(int sizeHint = 0) => inner.GetMemory(sizeHint);

        public override Span<byte> GetSpan(int sizeHint = 0) => inner.GetSpan(sizeHint);

        public override void CancelPendingFlush() => inner.CancelPendingFlush();

        public override void Complete(Exception? exception = null) => inner.Complete(exception);

        public override ValueTask<System.IO.Pipelines.FlushResult> FlushAsync(CancellationToken cancellationToken = default)
        {
            Interlocked.Increment(ref _flushes);
            return inner.FlushAsync(cancellationToken);
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
