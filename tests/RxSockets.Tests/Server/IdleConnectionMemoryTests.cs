using System.Net;
using System.Runtime.InteropServices;
using System.Text;
using RxSockets.Tests.Support;
using RxSockets.Transport.Epoll;

namespace RxSockets.Tests.Server;

/// <summary>
/// The regression guard of issue 16's idle target: the managed memory the embedded server keeps per idle connection
/// (accepted over the epoll transport, its handshake done, an <c>await foreach</c> consumer waiting on it, as
/// <c>rxsockets serve --echo</c> holds it). The clients are raw file descriptors opened with libc calls, so the only
/// managed objects they add are the test's preallocated arrays: every byte counted is the server's. The figure is the
/// live heap (after full collections) with the connections held minus before them, over their number, with the consumer
/// on <c>ReadAllAsync</c> and on <c>ReadLeasesAsync</c> (what <c>serve --echo --quiet</c> uses);
/// <c>bench/run.sh</c>'s idle section measures the whole process's RSS over 10,000 connections instead.
/// </summary>
[NonParallelizable]   // the whole process's live heap is measured: a test running alongside would count
public partial class IdleConnectionMemoryTests
{
    private const int Connections = 200;

    // As ClientWebSocket sends it; every connection may use the same key.
    private static readonly byte[] s_request = Encoding.ASCII.GetBytes(
        "GET /idle HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n" +
        "Sec-WebSocket-Key: JPsn22uPPEWHZ2XSV+0P3w==\r\nSec-WebSocket-Version: 13\r\n\r\n");

    [TestCase(false), TestCase(true), CancelAfter(60_000)]
    public async Task IdleServerConnection_WithAWaitingConsumer_KeepsAtMostItsBudgetOfManagedMemory(bool leases, CancellationToken cancellationToken)
    {
        Assume.That(EpollEngine.IsSupported, Is.True, "the figure is the epoll transport's (x86-64 Linux)");
        await using var server = await WebSocketServer.StartAsync(new WebSocketServerOptions { MaxConnections = 2 * Connections }, cancellationToken);
        var endPoint = new IPEndPoint(IPAddress.Loopback, server.LocalEndPoint.Port);
        var held = new WebSocketConnection[Connections];
        var waits = new ValueTask<bool>[Connections];
        var fds = new int[Connections];
        var answer = new byte[1024];
        var address = new byte[32];
        var addressLength = EpollConnector.WriteAddress(endPoint, address);
        var accepted = new SemaphoreSlim(0);
        var accepting = AcceptAsync(server, held, waits, accepted, leases);

        // First use (JIT, static tables), and the server's registries and the epoll slot table grown to their size for
        // all the connections and then emptied: growth steps, which land on one run or another, are not counted.
        Open(fds, 0, Connections, address, addressLength, answer);
        await WaitAsync(accepted, Connections, cancellationToken);
        await CloseAsync(server, fds, waits, cancellationToken);
        Array.Clear(held);   // the closed connections' leftovers would leave within the measurement
        Array.Clear(waits);

        // The least of five rounds: whatever else the process does meanwhile (a previous test's connections still
        // closing, the runtime's own caches) can only add to a round's figure.
        var perConnection = double.MaxValue;
        for (var round = 0; round < 5; round++)
        {
            var before = LiveBytes();
            Open(fds, 0, Connections, address, addressLength, answer);
            await WaitAsync(accepted, Connections, cancellationToken);
            perConnection = Math.Min(perConnection, (LiveBytes() - before) / (double)Connections);
            Assert.That(held.Count(c => c?.State == ConnectionState.Open), Is.EqualTo(Connections));
            await CloseAsync(server, fds, waits, cancellationToken);
            Array.Clear(held);
            Array.Clear(waits);
        }

        TestContext.Out.WriteLine($"managed bytes kept per idle connection ({(leases ? "ReadLeasesAsync" : "ReadAllAsync")}): {perConnection:F0}");
        await server.StopAsync(cancellationToken);
        await accepting;

        // Debug build, .NET 10, x86-64: 2,452–2,518 B before issue 16's idle work (the outbound queue made up front, five
        // lazily made parts of the connection in fields of their own, inline nullable close statuses), 2,236–2,289 B
        // after its first round (ReadLeasesAsync 48 B more: a LeaseEnumerable around the queue enumerator); 2,113–2,192 B
        // (ReadAllAsync) and 2,138–2,159 B (ReadLeasesAsync) after its second (the epoll socket its own reader, the
        // lease enumerator the queue enumerator itself, the handshake's outcome in one reference, the request's rare
        // parts made on first use); 1,603–1,660 B (ReadAllAsync) and 1,614–1,654 B (ReadLeasesAsync), Debug and Release,
        // after its third (no read-loop state machine while an epoll connection waits for data: 224 B; the message
        // assembler made by the first data frame; the driver its own TaskCompletionSource); 1,469–1,582 B (ReadAllAsync)
        // and 1,451–1,590 B (ReadLeasesAsync), Debug and Release, once the inbound queue and the epoll socket were trimmed
        // (the queue's rarely used state in one side object made on first use, its bounds shared: the inbox 200 -> 120 B;
        // the socket's token read from its registration, its writer's unflushed count from its segments: 216 -> 200 B
        // and 72 -> 56 B); 1,407–1,474 B in 16 Release figures once the driver became its own keepalive (no Heartbeat
        // object). A run now and then (3 in about 80 with three rounds, before the trimming as after it) kept some
        // 250–700 B more per connection in all of its rounds, cause not yet found: five rounds now. A failure means
        // something an idle connection does not need crept back in.
        Assert.That(perConnection, Is.LessThan(1_650));
    }

    private static async Task AcceptAsync(WebSocketServer server, WebSocketConnection[] held, ValueTask<bool>[] waits, SemaphoreSlim accepted, bool leases)
    {
        var count = 0;
        await foreach (var connection in server.AcceptAllAsync())
        {
            count %= held.Length;   // each round's connections take the places of the previous round's
            held[count] = connection;
            // Kept to be awaited once, at the end: AsTask would add a task per connection to the figure.
#pragma warning disable CA2012
            waits[count++] = leases
                ? connection.ReadLeasesAsync().GetAsyncEnumerator().MoveNextAsync()
                : connection.ReadAllAsync().GetAsyncEnumerator().MoveNextAsync();
#pragma warning restore CA2012
            accepted.Release();
        }
    }

    /// <summary>Closes the client sockets and waits until the server has let go of their connections.</summary>
    private static async Task CloseAsync(WebSocketServer server, int[] fds, ValueTask<bool>[] waits, CancellationToken cancellationToken)
    {
        foreach (var fd in fds)
        {
            _ = Libc.close(fd);
        }

        for (var i = 0; i < fds.Length; i++)
        {
            try
            {
                await waits[i];
            }
            catch (ConnectionClosedException)
            {
                // The client vanished without a close frame: the consumer learns it this way.
            }
        }

        await Until.TrueAsync(() => server.ClientCount == 0, cancellationToken);
    }

    private static async Task WaitAsync(SemaphoreSlim accepted, int count, CancellationToken cancellationToken)
    {
        for (var i = 0; i < count; i++)
        {
            await accepted.WaitAsync(cancellationToken);
        }
    }

    /// <summary>Connects <paramref name="count"/> blocking sockets and upgrades each, reading its 101 answer.</summary>
    private static void Open(int[] fds, int start, int count, byte[] address, int addressLength, byte[] answer)
    {
        for (var i = start; i < start + count; i++)
        {
            fds[i] = RawSocket.Connect(address, addressLength);
            RawSocket.SendAll(fds[i], s_request);
            if (RawSocket.Receive(fds[i], answer) < 12 || !answer.AsSpan(0, 12).SequenceEqual("HTTP/1.1 101"u8))
            {
                throw new IOException("The server did not answer 101.");
            }
        }
    }

    private static long LiveBytes()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        return GC.GetTotalMemory(forceFullCollection: true);
    }

    /// <summary>Blocking libc sockets: a client that allocates nothing on the managed heap.</summary>
    private static unsafe partial class RawSocket
    {
        public static int Connect(byte[] address, int addressLength)
        {
            var fd = Libc.socket(Libc.AF_INET, Libc.SOCK_STREAM | Libc.SOCK_CLOEXEC, 0);
            Check(fd >= 0, "socket");
            fixed (byte* pointer = address)
            {
                Check(Libc.connect(fd, pointer, addressLength) == 0, "connect");
            }

            return fd;
        }

        public static void SendAll(int fd, byte[] data)
        {
            fixed (byte* pointer = data)
            {
                for (nint sent = 0; sent < data.Length;)
                {
                    var result = send(fd, pointer + sent, data.Length - sent, Libc.MSG_NOSIGNAL);
                    Check(result > 0, "send");
                    sent += result;
                }
            }
        }

        /// <summary>One receive: the 101 answer is one small write.</summary>
        public static int Receive(int fd, byte[] buffer)
        {
            fixed (byte* pointer = buffer)
            {
                return (int)recv(fd, pointer, buffer.Length, 0);
            }
        }

        // No assertion per call: its message would be allocated within the measurement.
        private static void Check(bool succeeded, string call)
        {
            if (!succeeded)
            {
                throw new IOException($"{call} failed: errno {Marshal.GetLastPInvokeError()}");
            }
        }

        [LibraryImport("libc", SetLastError = true)]
        private static partial nint send(int fd, byte* buffer, nint length, int flags);

        [LibraryImport("libc", SetLastError = true)]
        private static partial nint recv(int fd, byte* buffer, nint length, int flags);
    }
}
