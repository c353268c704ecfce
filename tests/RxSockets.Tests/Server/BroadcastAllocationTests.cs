using System.Net;
using System.Net.Sockets;
using System.Text;

namespace RxSockets.Tests.Server;

/// <summary>
/// What a broadcast allocates in the steady state, over real loopback sockets: the frame is pooled and reference
/// counted, the recipients array cached, the writers woken per burst, so nothing is allocated per broadcast or per
/// recipient. Before that, a broadcast to 100 connections allocated about 2 KiB (two copies of the recipients, an
/// enumerator, the frame, its writer and two arrays; in a debug build also two async state machines). The subscribers
/// are raw sockets reading into one buffer each. The whole process's figure comes from
/// <c>bench/RxSockets.Benchmarks broadcast</c>.
/// </summary>
public class BroadcastAllocationTests
{
    private const int Subscribers = 100;
    private const int Window = 8;   // undelivered per subscriber: within the send queue's budget, so no broadcast waits
    private const int Size = 64;

    private static readonly Func<WebSocketConnection, bool> s_everyone = static _ => true;

    [Test, CancelAfter(60_000)]
    public async Task BroadcastAsync_SteadyState_AllocatesNothingPerBroadcast(CancellationToken cancellationToken)
    {
        await using var server = await WebSocketServer.StartAsync(new WebSocketServerOptions { KeepAliveInterval = Timeout.InfiniteTimeSpan }, cancellationToken);
        var readers = new Subscriber[Subscribers];
        for (var i = 0; i < Subscribers; i++)
        {
            readers[i] = await Subscriber.ConnectAsync(server.Url, cancellationToken);
        }

        try
        {
            await Support.Until.TrueAsync(() => server.ClientCount == Subscribers, cancellationToken);
            var message = Message.Binary(new byte[Size]);
            var sent = 0L;
            sent = await BroadcastAsync(server, message, readers, sent, 2_000, [0], cancellationToken);   // warm-up: JIT, pools

            // The least of three rounds: a stray runtime allocation (a tier-up, a pool's new array) in one round is
            // not the broadcast's.
            var perBroadcast = long.MaxValue;
            for (var round = 0; round < 3; round++)
            {
                var total = new long[1];
                sent = await BroadcastAsync(server, message, readers, sent, 2_000, total, cancellationToken);
                perBroadcast = Math.Min(perBroadcast, total[0] / 2_000);
            }

            // Framing, the recipients, queuing on each and waking their writers: all on the caller's thread, counted
            // exactly there. The writers, on the thread pool, give the frames back; a frame not given back would be
            // a new frame and buffer here.
            Assert.That(perBroadcast, Is.LessThan(32), $"bytes allocated per broadcast to {Subscribers} connections");
        }
        finally
        {
            foreach (var reader in readers)
            {
                reader.Dispose();
            }
        }
    }

    [Test, CancelAfter(10_000)]
    public async Task BroadcastAsync_ManyMessagesThroughPooledFrames_EachArrivesIntactAndTheSendersMessagesStayUnchanged(CancellationToken cancellationToken)
    {
        await using var server = await WebSocketServer.StartAsync(new WebSocketServerOptions { KeepAliveInterval = Timeout.InfiniteTimeSpan }, cancellationToken);
        await using var client = await WebSocketConnection.ConnectAsync(server.Url, cancellationToken: cancellationToken);
        await Support.Until.TrueAsync(() => server.ClientCount == 1, cancellationToken);
        var messages = Enumerable.Range(0, 200).Select(i => Message.Binary(Enumerable.Repeat((byte)i, 10 + (i % 50)).ToArray())).ToArray();
        var copies = messages.Select(m => m.Data.ToArray()).ToArray();

        var receiving = client.ReadAllAsync(cancellationToken).Take(messages.Length).Select(m => m.Data.ToArray()).ToArrayAsync(cancellationToken);
        foreach (var message in messages)
        {
            await server.BroadcastAsync(message, s_everyone, cancellationToken);
        }

        // Frames' buffers went back to the pool and were reused by the next broadcasts: what arrived, and what the
        // server's caller still holds, are the bytes each message had.
        Assert.That(await receiving, Is.EqualTo(copies));
        Assert.That(messages.Select(m => m.Data.ToArray()), Is.EqualTo(copies));
    }

    /// <summary>Broadcasts <paramref name="count"/> messages, at most <see cref="Window"/> undelivered per subscriber,
    /// and waits until all arrived. The waits poll (yielding): a signal per wait would be counted as the broadcast's.</summary>
    /// <param name="allocated">Adds the bytes each broadcast call allocated on the calling thread until it returned.</param>
    private static async Task<long> BroadcastAsync(WebSocketServer server, Message message, Subscriber[] readers, long sent, int count,
        long[] allocated, CancellationToken cancellationToken)
    {
        const int FrameLength = 2 + Size;
        for (var i = 0; i < count; i++, sent++)
        {
            while (MinReceived(readers) < (sent - Window) * FrameLength)
            {
                cancellationToken.ThrowIfCancellationRequested();
                await Task.Yield();
            }

            var before = GC.GetAllocatedBytesForCurrentThread();
            var broadcast = server.BroadcastAsync(message, s_everyone, cancellationToken);
            allocated[0] += GC.GetAllocatedBytesForCurrentThread() - before;
            await broadcast;
        }

        while (MinReceived(readers) < sent * FrameLength)
        {
            cancellationToken.ThrowIfCancellationRequested();
            await Task.Yield();
        }

        return sent;
    }

    private static long MinReceived(Subscriber[] readers)
    {
        var min = long.MaxValue;
        foreach (var reader in readers)
        {
            min = Math.Min(min, reader.Received);
        }

        return min;
    }

    /// <summary>A WebSocket client reduced to a socket: the handshake, then the bytes counted into one buffer.</summary>
    private sealed class Subscriber : IDisposable
    {
        private readonly Socket _socket;
        private readonly byte[] _buffer = new byte[64 * 1024];
        private readonly Task _reading;
        private long _received;

        private Subscriber(Socket socket, long leftover)
        {
            _socket = socket;
            _received = leftover;
            _reading = ReadAsync();
        }

        public long Received => Interlocked.Read(ref _received);

        public static async Task<Subscriber> ConnectAsync(Uri url, CancellationToken cancellationToken)
        {
            var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, url.Port), cancellationToken);
            var request = Encoding.ASCII.GetBytes(
                $"GET / HTTP/1.1\r\nHost: 127.0.0.1:{url.Port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
                "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n");
            await socket.SendAsync(request, cancellationToken);
            var head = new byte[4096];
            var length = 0;
            while (true)
            {
                var read = await socket.ReceiveAsync(head.AsMemory(length), cancellationToken);
                Assert.That(read, Is.GreaterThan(0), "the server closed the connection during the handshake");
                length += read;
                var end = head.AsSpan(0, length).IndexOf("\r\n\r\n"u8);
                if (end >= 0)
                {
                    Assert.That(Encoding.ASCII.GetString(head, 0, 12), Is.EqualTo("HTTP/1.1 101"));
                    return new Subscriber(socket, length - end - 4);
                }
            }
        }

        public void Dispose()
        {
            _socket.Dispose();
            _ = _reading.ContinueWith(static _ => { }, TaskScheduler.Default);   // ends with the socket: observed
        }

        private async Task ReadAsync()
        {
            while (true)
            {
                var read = await _socket.ReceiveAsync(_buffer.AsMemory(), SocketFlags.None);
                if (read == 0)
                {
                    return;
                }

                Interlocked.Add(ref _received, read);
            }
        }
    }
}
