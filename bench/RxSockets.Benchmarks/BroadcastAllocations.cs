using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace RxSockets.Benchmarks;

/// <summary>
/// Counts what the server allocates per broadcast in the steady state: K raw-socket subscribers (no WebSocket client
/// library, and reading into one reused buffer each, so they allocate nothing per message) receive N broadcasts of
/// one 64 B message from <c>server.BroadcastAsync(message, filter)</c> (filtered, as bench/FanoutServer's, so it stays
/// on this node), at most <see cref="Window"/> undelivered per subscriber (as bench/fanout.sh's load, within the send
/// queue's budget: no broadcast waits for room); the process's allocated bytes over the N broadcasts, after a warm-up,
/// are divided by N (per broadcast) and by N x K (per delivery). The message and the filter are made once: what is
/// counted is the broadcast path's own framing, queuing and writing.
/// </summary>
internal static class BroadcastAllocations
{
    private const int Window = 8;

    private static readonly Func<WebSocketConnection, bool> s_everyone = static _ => true;

    public static async Task<int> RunAsync(int broadcasts, int subscribers, int size, bool types)
    {
        await using var server = await WebSocketServer.StartAsync(new WebSocketServerOptions { KeepAliveInterval = Timeout.InfiniteTimeSpan });
        var readers = new RawSubscriber[subscribers];
        for (var i = 0; i < subscribers; i++)
        {
            readers[i] = await RawSubscriber.ConnectAsync(server.Url);
        }

        while (server.ClientCount < subscribers)
        {
            await Task.Yield();
        }

        var message = Message.Binary(new byte[size]);
        var frameLength = 2 + size;   // size <= 125: a two-byte header
        var warmup = Math.Max(broadcasts / 5, 1_000);
        await BroadcastAsync(server, message, readers, warmup, (long)warmup * frameLength);

        using var sampler = types ? new AllocationSampler() : null;
        sampler?.Start();
        var before = GC.GetTotalAllocatedBytes(precise: true);
        var clock = Stopwatch.StartNew();
        await BroadcastAsync(server, message, readers, broadcasts, (long)(warmup + broadcasts) * frameLength);
        clock.Stop();
        var allocated = GC.GetTotalAllocatedBytes(precise: true) - before;
        sampler?.Stop();

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"broadcast {broadcasts} x {size} B to {subscribers} raw subscribers in {clock.Elapsed.TotalSeconds:F2}s ({(double)broadcasts * subscribers / clock.Elapsed.TotalSeconds:F0} deliveries/s, not a throughput figure: one process)"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"allocated: {allocated} B in all; per broadcast {(double)allocated / broadcasts:F1} B; per delivery {(double)allocated / broadcasts / subscribers:F2} B"));
        sampler?.Print(allocated, broadcasts);
        foreach (var reader in readers)
        {
            reader.Dispose();
        }

        return 0;
    }

    /// <summary>Broadcasts <paramref name="count"/> times, then waits until every subscriber has read
    /// <paramref name="totalBytes"/> bytes since it connected. The waits poll (yielding), which allocates nothing.</summary>
    private static async Task BroadcastAsync(WebSocketServer server, Message message, RawSubscriber[] readers, int count, long totalBytes)
    {
        var frameLength = 2 + message.Data.Length;
        var start = totalBytes - ((long)count * frameLength);
        for (var i = 0; i < count; i++)
        {
            while (MinReceived(readers) < start + ((long)(i - Window) * frameLength))
            {
                await Task.Yield();
            }

            await server.BroadcastAsync(message, s_everyone);
        }

        while (MinReceived(readers) < totalBytes)
        {
            await Task.Yield();
        }
    }

    private static long MinReceived(RawSubscriber[] readers)
    {
        var min = long.MaxValue;
        foreach (var reader in readers)
        {
            min = Math.Min(min, reader.Received);
        }

        return min;
    }

    /// <summary>A WebSocket client reduced to a socket: the handshake, then bytes counted into one buffer.</summary>
    private sealed class RawSubscriber : IDisposable
    {
        private readonly Socket _socket;
        private readonly byte[] _buffer = new byte[64 * 1024];
        private readonly Task _reading;
        private long _received;

        private RawSubscriber(Socket socket, long leftover)
        {
            _socket = socket;
            _received = leftover;
            _reading = ReadAsync();
        }

        public static async Task<RawSubscriber> ConnectAsync(Uri url)
        {
            var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, url.Port));
            var request = Encoding.ASCII.GetBytes(
                $"GET / HTTP/1.1\r\nHost: 127.0.0.1:{url.Port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
                "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n");
            await socket.SendAsync(request);
            var head = new byte[4096];
            var length = 0;
            while (true)
            {
                var read = await socket.ReceiveAsync(head.AsMemory(length));
                if (read == 0)
                {
                    throw new InvalidOperationException("The server closed the connection during the handshake.");
                }

                length += read;
                var end = head.AsSpan(0, length).IndexOf("\r\n\r\n"u8);
                if (end >= 0)
                {
                    if (!head.AsSpan().StartsWith("HTTP/1.1 101"u8))
                    {
                        throw new InvalidOperationException("The handshake was refused.");
                    }

                    return new RawSubscriber(socket, length - end - 4);
                }
            }
        }

        public long Received => Interlocked.Read(ref _received);

        public void Dispose()
        {
            _socket.Dispose();
            _ = _reading.ContinueWith(static _ => { }, TaskScheduler.Default);
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
