using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using RxSockets.Tests.Support;
using RxSockets.Transport.Epoll;

namespace RxSockets.Tests.Transport.Epoll;

public class EpollSocketTests
{
    [Test, CancelAfter(20_000)]
    public async Task Input_PeerSendsMegabytes_ArrivesComplete(CancellationToken cancellationToken)
    {
        await using var pair = await EpollPair.CreateAsync(cancellationToken);
        var sent = RandomNumberGenerator.GetBytes(4 * 1024 * 1024);

        var sending = pair.Peer.SendAsync(sent, cancellationToken).AsTask();
        var received = await ReadExactlyAsync(pair.Server.Input, sent.Length, cancellationToken);
        await sending;

        Assert.That(SHA256.HashData(received), Is.EqualTo(SHA256.HashData(sent)));
    }

    [Test, CancelAfter(10_000)]
    public async Task Input_NothingExamined_ReturnsTheSameBytesAgainAtOnce(CancellationToken cancellationToken)
    {
        await using var pair = await EpollPair.CreateAsync(cancellationToken);
        await pair.Peer.SendAsync("abc"u8.ToArray(), cancellationToken);
        var first = await pair.Server.Input.ReadAsync(cancellationToken);
        pair.Server.Input.AdvanceTo(first.Buffer.Start, first.Buffer.Start);

        var again = pair.Server.Input.ReadAsync(cancellationToken);
        var completedAtOnce = again.IsCompletedSuccessfully;
        var result = await again;

        Assert.That(completedAtOnce, Is.True);
        Assert.That(result.Buffer.ToArray(), Is.EqualTo("abc"u8.ToArray()));
    }

    [Test, CancelAfter(10_000)]
    public async Task Input_AllExamined_WaitsForNewBytesAndKeepsTheOldOnes(CancellationToken cancellationToken)
    {
        await using var pair = await EpollPair.CreateAsync(cancellationToken);
        await pair.Peer.SendAsync("ab"u8.ToArray(), cancellationToken);
        var first = await pair.Server.Input.ReadAsync(cancellationToken);
        pair.Server.Input.AdvanceTo(first.Buffer.Start, first.Buffer.End);

        var next = pair.Server.Input.ReadAsync(cancellationToken).AsTask();
        var waitedForMore = !next.IsCompleted;
        await pair.Peer.SendAsync("c"u8.ToArray(), cancellationToken);
        var result = await next.WaitAsync(cancellationToken);

        Assert.That(waitedForMore, Is.True);
        Assert.That(result.Buffer.ToArray(), Is.EqualTo("abc"u8.ToArray()));
    }

    [Test, CancelAfter(10_000)]
    public async Task Input_EverythingConsumed_HoldsNoBuffer(CancellationToken cancellationToken)
    {
        await using var pair = await EpollPair.CreateAsync(cancellationToken);
        await pair.Peer.SendAsync(new byte[3000], cancellationToken);
        var received = await ReadExactlyAsync(pair.Server.Input, 3000, cancellationToken);

        var holds = ((EpollSocket)pair.Server.Input).InputHoldsBuffer;

        Assert.That(received, Has.Length.EqualTo(3000));
        Assert.That(holds, Is.False);
    }

    [Test, CancelAfter(10_000)]
    public async Task Input_PeerShutsDown_CompletesAfterTheLastBytes(CancellationToken cancellationToken)
    {
        await using var pair = await EpollPair.CreateAsync(cancellationToken);
        await pair.Peer.SendAsync("bye"u8.ToArray(), cancellationToken);
        pair.Peer.Shutdown(SocketShutdown.Send);

        var bytes = new List<byte>();
        ReadResult result;
        do
        {
            result = await pair.Server.Input.ReadAsync(cancellationToken);
            bytes.AddRange(result.Buffer.ToArray());
            pair.Server.Input.AdvanceTo(result.Buffer.End);
        }
        while (!result.IsCompleted);

        Assert.That(bytes, Is.EqualTo("bye"u8.ToArray()));
    }

    [Test, CancelAfter(10_000)]
    public async Task Input_CancelPendingRead_WakesTheWaitingReader(CancellationToken cancellationToken)
    {
        await using var pair = await EpollPair.CreateAsync(cancellationToken);
        var read = pair.Server.Input.ReadAsync(cancellationToken).AsTask();

        pair.Server.Input.CancelPendingRead();
        var result = await read.WaitAsync(cancellationToken);

        Assert.That(result.IsCanceled, Is.True);
    }

    [Test, CancelAfter(10_000)]
    public async Task Input_TokenCancelledWhileWaiting_Throws(CancellationToken cancellationToken)
    {
        await using var pair = await EpollPair.CreateAsync(cancellationToken);
        using var cancel = new CancellationTokenSource();
        var read = pair.Server.Input.ReadAsync(cancel.Token).AsTask();

        await cancel.CancelAsync();

        Assert.That(async () => await read.WaitAsync(cancellationToken), Throws.InstanceOf<OperationCanceledException>());
    }

    [Test, CancelAfter(10_000)]
    public async Task Input_TransportClosedWhileWaiting_EndsTheRead(CancellationToken cancellationToken)
    {
        var pair = await EpollPair.CreateAsync(cancellationToken);
        await using (pair)
        {
            var input = pair.Server.Input;
            using var abort = new CancellationTokenSource();
            var read = input.ReadAsync(abort.Token).AsTask();

            // The session cancels its read before closing the transport; the read must end either way.
            await abort.CancelAsync();
            await pair.Server.CloseAsync(shutdownFirst: false);

            Assert.That(async () => await read.WaitAsync(cancellationToken), Throws.InstanceOf<OperationCanceledException>());
        }
    }

    [Test, CancelAfter(10_000)]
    public async Task Input_SameTokenOverTwoWaits_CancelledDuringTheSecond_Throws(CancellationToken cancellationToken)
    {
        await using var pair = await EpollPair.CreateAsync(cancellationToken);
        using var cancel = new CancellationTokenSource();
        var first = pair.Server.Input.ReadAsync(cancel.Token).AsTask();
        await pair.Peer.SendAsync("a"u8.ToArray(), cancellationToken);
        pair.Server.Input.AdvanceTo((await first.WaitAsync(cancellationToken)).Buffer.End);

        var second = pair.Server.Input.ReadAsync(cancel.Token).AsTask();   // registered once, by the first wait
        await cancel.CancelAsync();

        Assert.That(async () => await second.WaitAsync(cancellationToken), Throws.InstanceOf<OperationCanceledException>());
    }

    [Test, CancelAfter(10_000)]
    public async Task Input_TokenOfAnEarlierWait_CancelledLater_LeavesTheCurrentReadWaiting(CancellationToken cancellationToken)
    {
        await using var pair = await EpollPair.CreateAsync(cancellationToken);
        using var handshake = new CancellationTokenSource();
        var first = pair.Server.Input.ReadAsync(handshake.Token).AsTask();
        await pair.Peer.SendAsync("a"u8.ToArray(), cancellationToken);
        pair.Server.Input.AdvanceTo((await first.WaitAsync(cancellationToken)).Buffer.End);

        var session = pair.Server.Input.ReadAsync(CancellationToken.None).AsTask();   // drops the earlier registration
        await handshake.CancelAsync();   // its callbacks have run when this completes: a wrong one has cancelled the read
        await pair.Peer.SendAsync("b"u8.ToArray(), cancellationToken);
        var result = await session.WaitAsync(cancellationToken);   // would throw OperationCanceledException

        Assert.That(result.IsCanceled, Is.False);
        Assert.That(result.Buffer.ToArray(), Is.EqualTo("b"u8.ToArray()));
    }

    [Test, CancelAfter(30_000)]
    public async Task Input_TokenCancelledAsTheReadParks_EveryReadEndsCancelled(CancellationToken cancellationToken)
    {
        // The cancellation lands around the park, some rounds while the read registers its token (whose callback then
        // runs at once and leaves no registration): every read must still end, cancelled, though no byte ever arrives.
        // Without the check after the registration, one round in a few thousand hung.
        const int Rounds = 5_000;
        await using var pair = await EpollPair.CreateAsync(cancellationToken);
        var sources = Enumerable.Range(0, Rounds).Select(_ => new CancellationTokenSource()).ToArray();
        var started = 0;
        var finished = false;
        var canceller = Task.Factory.StartNew(() =>
        {
            for (var round = 0; round < Rounds; round++)
            {
                var spinner = new SpinWait();
                while (Volatile.Read(ref started) <= round)
                {
                    if (Volatile.Read(ref finished))
                    {
                        return;
                    }

                    spinner.SpinOnce(sleep1Threshold: -1);
                }

                Thread.SpinWait(Random.Shared.Next(0, 100));
                sources[round].Cancel();
            }
        }, cancellationToken, TaskCreationOptions.LongRunning, TaskScheduler.Default);

        var hung = new List<int>();
        var unexpected = new List<string>();
        try
        {
            for (var round = 0; round < Rounds && hung.Count == 0; round++)
            {
                Volatile.Write(ref started, round + 1);
                var read = pair.Server.Input.ReadAsync(sources[round].Token).AsTask();
                try
                {
                    await read.WaitAsync(TimeSpan.FromSeconds(5), cancellationToken);
                    unexpected.Add($"round {round}: read without data");
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                }
                catch (TimeoutException)
                {
                    hung.Add(round);
                }
            }
        }
        finally
        {
            Volatile.Write(ref finished, true);
            await canceller;
            foreach (var source in sources)
            {
                source.Dispose();
            }
        }

        Assert.That(hung, Is.Empty, "rounds still waiting 5 s after their token was cancelled");
        Assert.That(unexpected, Is.Empty);
    }

    [Test, CancelAfter(30_000)]
    public async Task Output_FlushCancelledWhileTheSocketIsFull_UnflushedBytesAreWhatThePeerHasYetToGet(CancellationToken cancellationToken)
    {
        await using var pair = await EpollPair.CreateAsync(cancellationToken);
        var output = pair.Server.Output;
        var sent = RandomNumberGenerator.GetBytes(16 * 1024 * 1024);
        output.Write(sent);   // 256 segments of 64 KiB
        var unflushedBefore = output.UnflushedBytes;

        var flush = output.FlushAsync(cancellationToken).AsTask();
        var waitedForThePeer = !flush.IsCompleted;
        output.CancelPendingFlush();
        var cancelled = await flush.WaitAsync(cancellationToken);
        var left = output.UnflushedBytes;

        // What the socket took is at the peer (loopback): exactly the bytes before the unflushed ones, no more.
        var received = new byte[sent.Length];
        await ReceiveExactlyAsync(pair.Peer, received.AsMemory(0, (int)(sent.Length - left)), cancellationToken);
        var extra = pair.Peer.Available;
        var rest = output.FlushAsync(cancellationToken).AsTask();
        await ReceiveExactlyAsync(pair.Peer, received.AsMemory((int)(sent.Length - left)), cancellationToken);
        await rest;

        Assert.That((unflushedBefore, waitedForThePeer, cancelled.IsCanceled), Is.EqualTo(((long)sent.Length, true, true)));
        Assert.That(left, Is.InRange(1L, sent.Length - 1L), "part of it was sent before the socket filled");
        Assert.That(extra, Is.Zero);
        Assert.That(SHA256.HashData(received), Is.EqualTo(SHA256.HashData(sent)));
        Assert.That(output.UnflushedBytes, Is.Zero);
    }

    [Test, CancelAfter(30_000)]
    public async Task Output_MoreThanTheSocketBuffer_FlushCompletesAsThePeerReads(CancellationToken cancellationToken)
    {
        await using var pair = await EpollPair.CreateAsync(cancellationToken);
        var sent = RandomNumberGenerator.GetBytes(16 * 1024 * 1024);
        pair.Server.Output.Write(sent);

        var flush = pair.Server.Output.FlushAsync(cancellationToken).AsTask();
        var waitedForThePeer = !flush.IsCompleted;
        var received = new byte[sent.Length];
        await ReceiveExactlyAsync(pair.Peer, received, cancellationToken);
        await flush;

        Assert.That(waitedForThePeer, Is.True);
        Assert.That(SHA256.HashData(received), Is.EqualTo(SHA256.HashData(sent)));
        Assert.That(((EpollPipeWriter)pair.Server.Output).HoldsBuffer, Is.False);
    }

    [Test, CancelAfter(20_000)]
    public async Task Input_ReadFillsItsSegment_NextSegmentIsLarger(CancellationToken cancellationToken)
    {
        await using var pair = await EpollPair.CreateAsync(cancellationToken);
        var sent = RandomNumberGenerator.GetBytes(256 * 1024);
        using var view = new Socket(new SafeSocketHandle(pair.Server.Fd.Value, ownsHandle: false));
        view.ReceiveBufferSize = 4 * 1024 * 1024;   // room in the kernel for the whole burst before the first read
        await pair.Peer.SendAsync(sent, cancellationToken);
        await Until.TrueAsync(() => view.Available >= sent.Length, cancellationToken);

        // Nothing consumed: every read adds a segment, as large as the one before it was filled.
        var first = await pair.Server.Input.ReadAsync(cancellationToken);
        pair.Server.Input.AdvanceTo(first.Buffer.Start, first.Buffer.End);
        var second = await pair.Server.Input.ReadAsync(cancellationToken);
        var segments = new List<int>();
        foreach (var segment in second.Buffer)
        {
            segments.Add(segment.Length);
        }

        var bytes = second.Buffer.ToArray();
        pair.Server.Input.AdvanceTo(second.Buffer.End);

        Assert.That(segments, Is.EqualTo(new[] { 64 * 1024, 128 * 1024 }));
        Assert.That(bytes, Is.EqualTo(sent.AsSpan(0, 192 * 1024).ToArray()));
    }

    [Test, CancelAfter(10_000)]
    public async Task ShutdownOutput_PeerSeesEndOfStream(CancellationToken cancellationToken)
    {
        await using var pair = await EpollPair.CreateAsync(cancellationToken);
        pair.Server.Output.Write("x"u8);
        await pair.Server.Output.FlushAsync(cancellationToken);

        pair.Server.ShutdownOutput();
        var buffer = new byte[8];
        var first = await pair.Peer.ReceiveAsync(buffer, cancellationToken);
        var second = await pair.Peer.ReceiveAsync(buffer.AsMemory(1), cancellationToken);

        Assert.That(first, Is.EqualTo(1));
        Assert.That(second, Is.Zero);
    }

    [Test]
    public void ParseAddress_IPv4_ReadsAddressAndPort()
    {
        byte[] sockaddr = [2, 0, 0x1F, 0x90, 127, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0];

        var endPoint = EpollAcceptor.ParseAddress(sockaddr);

        Assert.That(endPoint, Is.EqualTo(new IPEndPoint(IPAddress.Loopback, 8080)));
    }

    [Test]
    public void ParseAddress_IPv6_ReadsAddressAndPort()
    {
        var sockaddr = new byte[28];
        sockaddr[0] = 10;
        sockaddr[2] = 0x01;
        sockaddr[3] = 0xBB;
        sockaddr[23] = 1;

        var endPoint = EpollAcceptor.ParseAddress(sockaddr);

        Assert.That(endPoint, Is.EqualTo(new IPEndPoint(IPAddress.IPv6Loopback, 443)));
    }

    private static async Task ReceiveExactlyAsync(Socket socket, Memory<byte> buffer, CancellationToken cancellationToken)
    {
        var offset = 0;
        while (offset < buffer.Length)
        {
            var count = await socket.ReceiveAsync(buffer[offset..], cancellationToken);
            Assert.That(count, Is.Positive, "the stream ended early");
            offset += count;
        }
    }

    private static async Task<byte[]> ReadExactlyAsync(PipeReader input, int length, CancellationToken cancellationToken)
    {
        var received = new byte[length];
        var offset = 0;
        while (offset < length)
        {
            var result = await input.ReadAsync(cancellationToken);
            foreach (var segment in result.Buffer)
            {
                segment.Span.CopyTo(received.AsSpan(offset));
                offset += segment.Length;
            }

            input.AdvanceTo(result.Buffer.End);
            Assert.That(result.IsCompleted && offset < length, Is.False, "the stream ended early");
        }

        return received;
    }
}
