using System.Diagnostics;
using System.Globalization;

namespace RxSockets.Benchmarks;

/// <summary>
/// <see cref="EchoAllocations"/> with <c>HandleMessagesAsync</c> on both ends: the server's handler sends each lease
/// back, the client's handler gives each echo back and sends the next message, both on their read loops.
/// </summary>
internal static class HandlerEchoAllocations
{
    public static async Task RunAsync(int messages, int size)
    {
        await using var server = await WebSocketServer.StartAsync(EchoAllocations.ServerOptions());
        var echo = Task.Run(async () =>
        {
            await foreach (var connection in server.AcceptAllAsync())
            {
                await connection.HandleMessagesAsync(lease => connection.SendAsync(lease));
                return;
            }
        });
        await using var client = await WebSocketConnection.ConnectAsync(server.Url, EchoAllocations.ClientOptions());
        var payload = new byte[size];
        var round = new Round();
        var handling = client.HandleMessagesAsync(lease =>
        {
            lease.Dispose();
            if (++round.Echoed == round.Count)
            {
                round.Done.TrySetResult();
            }

            return round.Sent < round.Count ? SendNext(client, payload, round) : default;
        });

        await round.RunAsync(client, payload, 20_000);
        var before = GC.GetTotalAllocatedBytes(precise: true);
        var clock = Stopwatch.StartNew();
        await round.RunAsync(client, payload, messages);
        clock.Stop();
        var allocated = GC.GetTotalAllocatedBytes(precise: true) - before;

        var perMessage = (double)allocated / messages;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"zero-copy on the read loop (HandleMessagesAsync): echoed {messages} x {size} B in {clock.Elapsed.TotalSeconds:F2}s ({messages / clock.Elapsed.TotalSeconds:F0} msg/s)"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  allocated per round trip: {perMessage:F1} B; payload arrays: 0 B; overhead: {perMessage:F1} B"));
        await client.CloseAsync();
        await handling;
        await echo;
    }

    private static ValueTask SendNext(WebSocketConnection client, byte[] payload, Round round)
    {
        round.Sent++;
        return client.SendAsync(payload);
    }

    /// <summary>One run of round trips, driven by the echoes as <see cref="EchoAllocations"/>'s is: 64 in flight.</summary>
    private sealed class Round
    {
        public int Count;
        public int Sent;
        public int Echoed;
        public TaskCompletionSource Done = new();

        public async Task RunAsync(WebSocketConnection client, byte[] payload, int count)
        {
            // Set while no echo is in flight: the previous run ended with its last echo.
            Done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            Echoed = 0;
            Sent = Math.Min(64, count);
            Count = count;
            for (var i = 0; i < Sent; i++)
            {
                await client.SendAsync(payload);
            }

            await Done.Task;
        }
    }
}
