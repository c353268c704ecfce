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
    public static async Task<int> RunAsync(int messages, int size)
    {
        await using var server = await WebSocketServer.StartAsync(new WebSocketServerOptions { KeepAliveInterval = Timeout.InfiniteTimeSpan, ReceiveQueueCapacity = 128, SendQueueCapacity = 128 });
        var echo = Task.Run(async () =>
        {
            await foreach (var connection in server.AcceptAllAsync())
            {
                await foreach (var message in connection.ReadAllAsync())
                {
                    await connection.SendAsync(message);
                }

                return;
            }
        });
        await using var client = await WebSocketConnection.ConnectAsync(server.Url, new WebSocketClientOptions
        {
            KeepAliveInterval = Timeout.InfiniteTimeSpan,
            ReceiveQueueCapacity = 128,
            SendQueueCapacity = 128,
        });
        var payload = new byte[size];

        await EchoAsync(client, payload, 20_000);
        var before = GC.GetTotalAllocatedBytes(precise: true);
        var clock = Stopwatch.StartNew();
        await EchoAsync(client, payload, messages);
        clock.Stop();
        var allocated = GC.GetTotalAllocatedBytes(precise: true) - before;

        var perMessage = (double)allocated / messages;
        var payloadArray = 2 * ArrayBytes(size);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"echoed {messages} x {size} B in {clock.Elapsed.TotalSeconds:F2}s ({messages / clock.Elapsed.TotalSeconds:F0} msg/s)"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"allocated per round trip: {perMessage:F1} B; the two payload arrays: {payloadArray} B; overhead: {perMessage - payloadArray:F1} B"));
        await client.CloseAsync();
        await echo;
        return 0;
    }

    private static async Task EchoAsync(WebSocketConnection client, byte[] payload, int count)
    {
        // Echo-driven: 64 in flight, every echo sends the next one from the consumer (no sender waiting on a full queue).
        var sent = 0;
        for (; sent < 64 && sent < count; sent++)
        {
            await client.SendAsync(payload);
        }

        var received = 0;
        await foreach (var _ in client.ReadAllAsync())
        {
            if (++received == count)
            {
                break;
            }

            if (sent < count)
            {
                sent++;
                await client.SendAsync(payload);
            }
        }
    }

    private static long ArrayBytes(int length) => 24 + ((length + 7) & ~7);
}
