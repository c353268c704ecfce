using System.Diagnostics;
using System.Runtime.CompilerServices;

namespace RxSockets.Cli;

/// <summary>
/// Keeps a window of binary messages in flight against an echo server: a sender loop sends whenever fewer than
/// the window are outstanding, a receiver loop counts the echoes. Echoes received during the warmup are not counted.
/// </summary>
internal static class ThroughputBench
{
    public static async Task<BenchResult> RunAsync(WebSocketConnection connection, BenchSettings settings)
    {
        var payload = BenchPayload.Create(settings.Size);
        using var credits = new SemaphoreSlim(settings.Window, settings.Window);
        using var stop = new CancellationTokenSource();
        var counter = new StrongBox<long>();
        var receiving = Task.Run(() => ReceiveAsync(connection, settings.Size, credits, counter));
        var sending = Task.Run(() => SendAsync(connection, payload, credits, stop.Token));

        await WaitOrFailAsync(settings.Warmup, receiving, sending).ConfigureAwait(false);
        var startCount = Interlocked.Read(ref counter.Value);
        var start = Stopwatch.GetTimestamp();
        await WaitOrFailAsync(settings.Duration, receiving, sending).ConfigureAwait(false);
        var count = Interlocked.Read(ref counter.Value) - startCount;
        var elapsed = Stopwatch.GetElapsedTime(start);

        await stop.CancelAsync().ConfigureAwait(false);
        await sending.ConfigureAwait(false);
        await Connector.CloseNormallyAsync(connection).ConfigureAwait(false);
        await receiving.ConfigureAwait(false);

        var perSecond = count / elapsed.TotalSeconds;
        return new BenchResult(perSecond, perSecond * settings.Size / 1_000_000, 0, 0, 0);
    }

    private static async Task WaitOrFailAsync(TimeSpan time, Task receiving, Task sending)
    {
        var finished = await Task.WhenAny(Task.Delay(time), receiving, sending).ConfigureAwait(false);
        if (finished == receiving || finished == sending)
        {
            await finished.ConfigureAwait(false);
            throw new ConnectionClosedException("The connection ended during the benchmark.");
        }
    }

    private static async Task SendAsync(WebSocketConnection connection, ReadOnlyMemory<byte> payload, SemaphoreSlim credits, CancellationToken stop)
    {
        try
        {
            while (true)
            {
                await credits.WaitAsync(stop).ConfigureAwait(false);
                await connection.SendAsync(payload, stop).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // Measurement over.
        }
    }

    private static async Task ReceiveAsync(WebSocketConnection connection, int size, SemaphoreSlim credits, StrongBox<long> counter)
    {
        await foreach (var message in connection.ReadAllAsync().ConfigureAwait(false))
        {
            BenchPayload.CheckEcho(message, size);
            Interlocked.Increment(ref counter.Value);
            credits.Release();
        }
    }
}
