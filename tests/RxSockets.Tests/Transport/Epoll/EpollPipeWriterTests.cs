using System.Buffers;
using System.Net.Sockets;
using System.Security.Cryptography;
using RxSockets.Transport.Epoll;

namespace RxSockets.Tests.Transport.Epoll;

/// <summary>The epoll writer's batch (<see cref="EpollPipeWriter.BatchSize"/>): how many bytes of frames the driver
/// gathers per flush. It doubles while whole batches leave at once and halves when the socket buffer is full.</summary>
public class EpollPipeWriterTests
{
    private const int KiB = 1024;

    [Test, CancelAfter(20_000)]
    public async Task WholeBatchesSentAtOnce_TheBatchDoublesUpTo256KiB(CancellationToken cancellationToken)
    {
        await using var pair = await CreateRoomyPairAsync(cancellationToken);
        var writer = (EpollPipeWriter)pair.Server.Output;
        var sizes = new List<int> { writer.BatchSize };
        var sentAtOnce = new List<bool>();

        for (var round = 0; round < 3; round++)
        {
            var (atOnce, received) = await FlushAndReceiveAsync(pair, RandomNumberGenerator.GetBytes(writer.BatchSize), cancellationToken);
            Assert.That(received, Is.True, "the peer got every byte");
            sentAtOnce.Add(atOnce);
            sizes.Add(writer.BatchSize);
        }

        Assert.That(sentAtOnce, Is.All.True, "each batch fits the (enlarged) socket buffers, so each flush sends it at once");
        Assert.That(sizes, Is.EqualTo(new[] { 64 * KiB, 128 * KiB, 256 * KiB, 256 * KiB }));
        Assert.That(pair.Server.WriteBatchSize, Is.EqualTo(256 * KiB), "the transport hands the driver its writer's batch");
    }

    [Test, CancelAfter(20_000)]
    public async Task SmallerThanABatch_TheBatchStays(CancellationToken cancellationToken)
    {
        await using var pair = await CreateRoomyPairAsync(cancellationToken);
        var writer = (EpollPipeWriter)pair.Server.Output;

        for (var round = 0; round < 3; round++)
        {
            var (atOnce, received) = await FlushAndReceiveAsync(pair, RandomNumberGenerator.GetBytes(writer.BatchSize - 1), cancellationToken);
            Assert.That((atOnce, received), Is.EqualTo((true, true)));
        }

        Assert.That(writer.BatchSize, Is.EqualTo(64 * KiB), "a connection of small batches keeps 64 KiB segments");
    }

    [Test, CancelAfter(30_000)]
    public async Task SocketBufferFull_TheBatchHalves(CancellationToken cancellationToken)
    {
        await using var pair = await CreateRoomyPairAsync(cancellationToken);
        var writer = (EpollPipeWriter)pair.Server.Output;
        await FlushAndReceiveAsync(pair, RandomNumberGenerator.GetBytes(writer.BatchSize), cancellationToken);
        await FlushAndReceiveAsync(pair, RandomNumberGenerator.GetBytes(writer.BatchSize), cancellationToken);
        var grown = writer.BatchSize;

        // A peer that does not read: 16 MiB cannot leave at once, the flush waits, and the batch shrinks meanwhile.
        var (atOnce, received) = await FlushAndReceiveAsync(pair, RandomNumberGenerator.GetBytes(16 * 1024 * KiB), cancellationToken);

        Assert.That((grown, atOnce, received), Is.EqualTo((256 * KiB, false, true)));
        Assert.That(writer.BatchSize, Is.EqualTo(128 * KiB));
        Assert.That(writer.HoldsBuffer, Is.False, "after the complete flush the writer holds no segment");
    }

    /// <summary>A pair whose kernel buffers take a 256 KiB batch whole (the default send buffer of a new loopback
    /// connection starts smaller and grows with use).</summary>
    private static async Task<EpollPair> CreateRoomyPairAsync(CancellationToken cancellationToken)
    {
        var pair = await EpollPair.CreateAsync(cancellationToken);
        using var view = new Socket(new SafeSocketHandle(pair.Server.Fd.Value, ownsHandle: false));
        view.SendBufferSize = 1024 * KiB;   // the kernel caps it (net.core.wmem_max), at 416 KiB or more
        pair.Peer.ReceiveBufferSize = 1024 * KiB;
        return pair;
    }

    /// <summary>Writes and flushes <paramref name="bytes"/>, reads them all at the peer, then awaits the flush.</summary>
    /// <returns>Whether the flush completed at once (the socket took everything), and whether the peer got the bytes.</returns>
    private static async Task<(bool AtOnce, bool Received)> FlushAndReceiveAsync(EpollPair pair, byte[] bytes, CancellationToken cancellationToken)
    {
        pair.Server.Output.Write(bytes);
        var flush = pair.Server.Output.FlushAsync(cancellationToken);
        var atOnce = flush.IsCompleted;
        var received = new byte[bytes.Length];
        var offset = 0;
        while (offset < received.Length)
        {
            var count = await pair.Peer.ReceiveAsync(received.AsMemory(offset), cancellationToken);
            Assert.That(count, Is.Positive, "the stream ended early");
            offset += count;
        }

        await flush;
        return (atOnce, received.AsSpan().SequenceEqual(bytes));
    }
}
