using System.Diagnostics;
using System.Globalization;

namespace RxSockets.Benchmarks;

/// <summary>
/// Counts what the whole engine allocates per echoed message in the steady state: an RxSockets client keeps 64
/// binary messages in flight against an in-process RxSockets echo server, and the process's allocated bytes over
/// 100,000 round trips are divided by the count. Each round trip necessarily allocates two payload arrays (the
/// server's received message and the client's); everything above that is overhead.
/// </summary>
internal static class EchoAllocations
{
    /// <summary>Runs the echo three times: with owned messages (<c>ReadAllAsync</c>, an array per received message on
    /// each side), zero-copy (<c>ReadLeasesAsync</c> on both sides, the server sending each lease back) and zero-copy
    /// on the read loop (<c>HandleMessagesAsync</c> on both sides).</summary>
    public static async Task<int> RunAsync(int messages, int size)
    {
        await RunOneAsync(messages, size, leases: false);
        await RunOneAsync(messages, size, leases: true);
        await HandlerEchoAllocations.RunAsync(messages, size);
        return 0;
    }

    // Queues that hold the whole window (64 messages of up to 64 KiB) in bytes too. With the default 1 MiB, 64 KiB
    // messages fill a send queue at 16: both ends' handlers (HandlerEchoAllocations) then wait for room, each holding
    // back its own reading, and the two connections wait for each other once the socket buffers are full too.
    private const long WindowBytes = 8L * 1024 * 1024;

    /// <summary>The options both ends use: no keepalive, queues of 128 messages and 8 MiB.</summary>
    internal static WebSocketServerOptions ServerOptions() =>
        new() { KeepAliveInterval = Timeout.InfiniteTimeSpan, ReceiveQueueCapacity = 128, SendQueueCapacity = 128, MaxQueuedBytes = WindowBytes };

    /// <inheritdoc cref="ServerOptions"/>
    internal static WebSocketClientOptions ClientOptions() =>
        new() { KeepAliveInterval = Timeout.InfiniteTimeSpan, ReceiveQueueCapacity = 128, SendQueueCapacity = 128, MaxQueuedBytes = WindowBytes };

    private static async Task RunOneAsync(int messages, int size, bool leases)
    {
        await using var server = await WebSocketServer.StartAsync(ServerOptions());
        var echo = Task.Run(async () =>
        {
            await foreach (var connection in server.AcceptAllAsync())
            {
                if (leases)
                {
                    await foreach (var lease in connection.ReadLeasesAsync())
                    {
                        await connection.SendAsync(lease);
                    }
                }
                else
                {
                    await foreach (var message in connection.ReadAllAsync())
                    {
                        await connection.SendAsync(message);
                    }
                }

                return;
            }
        });
        await using var client = await WebSocketConnection.ConnectAsync(server.Url, ClientOptions());
        var payload = new byte[size];
        var received = leases ? ReceiveLeases(client) : ReceiveMessages(client);

        await EchoAsync(client, payload, 20_000, received);
        var before = GC.GetTotalAllocatedBytes(precise: true);
        var clock = Stopwatch.StartNew();
        await EchoAsync(client, payload, messages, received);
        clock.Stop();
        var allocated = GC.GetTotalAllocatedBytes(precise: true) - before;

        var perMessage = (double)allocated / messages;
        var payloadArray = leases ? 0 : 2 * ArrayBytes(size);
        var path = leases ? "zero-copy (ReadLeasesAsync, SendAsync(lease))" : "owned messages (ReadAllAsync, SendAsync(message))";
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{path}: echoed {messages} x {size} B in {clock.Elapsed.TotalSeconds:F2}s ({messages / clock.Elapsed.TotalSeconds:F0} msg/s)"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  allocated per round trip: {perMessage:F1} B; payload arrays: {payloadArray} B; overhead: {perMessage - payloadArray:F1} B"));
        await client.CloseAsync();
        await received.DisposeAsync();
        await echo;
    }

    private static IAsyncEnumerator<bool> ReceiveMessages(WebSocketConnection client) => Messages(client).GetAsyncEnumerator();

    private static IAsyncEnumerator<bool> ReceiveLeases(WebSocketConnection client) => Leases(client).GetAsyncEnumerator();

    private static async IAsyncEnumerable<bool> Messages(WebSocketConnection client)
    {
        await foreach (var _ in client.ReadAllAsync())
        {
            yield return true;
        }
    }

    private static async IAsyncEnumerable<bool> Leases(WebSocketConnection client)
    {
        await foreach (var lease in client.ReadLeasesAsync())
        {
            lease.Dispose();
            yield return true;
        }
    }

    private static async Task EchoAsync(WebSocketConnection client, byte[] payload, int count, IAsyncEnumerator<bool> received)
    {
        // Echo-driven: 64 in flight, every echo sends the next one from the consumer (no sender waiting on a full queue).
        var sent = 0;
        for (; sent < 64 && sent < count; sent++)
        {
            await client.SendAsync(payload);
        }

        for (var echoed = 0; echoed < count; echoed++)
        {
            if (!await received.MoveNextAsync())
            {
                throw new InvalidOperationException("The echo server went away.");
            }

            if (sent < count)
            {
                sent++;
                await client.SendAsync(payload);
            }
        }
    }

    internal static long ArrayBytes(int length) => 24 + ((length + 7) & ~7);
}
