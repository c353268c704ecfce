using System.Diagnostics;
using System.Runtime.CompilerServices;

namespace RxSockets.Cli;

/// <summary>
/// Keeps a window of binary messages in flight against an echo server, driven by the echoes as node ws's load generator
/// is: the window goes out at once (on the first echo, so in one write), then every echo received sends the next message, from the consumer itself (with
/// inline delivery the replies to one socket read leave in one write). Echoes received during the warmup are not
/// counted.
/// </summary>
internal static class ThroughputBench
{
    public static async Task<BenchResult> RunAsync(WebSocketConnection connection, BenchSettings settings)
    {
        var payload = BenchPayload.Create(settings.Size);
        using var stop = new CancellationTokenSource();
        var counter = new StrongBox<long>();
        var echoing = Task.Run(() => EchoDrivenAsync(connection, payload, settings, counter, stop.Token));

        await WaitOrFailAsync(settings.Warmup, echoing).ConfigureAwait(false);
        var startCount = Interlocked.Read(ref counter.Value);
        var start = Stopwatch.GetTimestamp();
        await WaitOrFailAsync(settings.Duration, echoing).ConfigureAwait(false);
        var count = Interlocked.Read(ref counter.Value) - startCount;
        var elapsed = Stopwatch.GetElapsedTime(start);

        await stop.CancelAsync().ConfigureAwait(false);
        await Connector.CloseNormallyAsync(connection).ConfigureAwait(false);
        await echoing.ConfigureAwait(false);

        var perSecond = count / elapsed.TotalSeconds;
        return new BenchResult(perSecond, perSecond * settings.Size / 1_000_000, 0, 0, 0);
    }

    private static async Task WaitOrFailAsync(TimeSpan time, Task echoing)
    {
        var finished = await Task.WhenAny(Task.Delay(time), echoing).ConfigureAwait(false);
        if (finished == echoing)
        {
            await echoing.ConfigureAwait(false);
            throw new ConnectionClosedException("The connection ended during the benchmark.");
        }
    }

    private static async Task EchoDrivenAsync(WebSocketConnection connection, ReadOnlyMemory<byte> payload, BenchSettings settings, StrongBox<long> counter, CancellationToken stop)
    {
        // One message first; its echo opens the whole window from inside the handler, where every send of one socket
        // read leaves in one write. Sent from here in a loop, the window would leave in as many writes as the writer
        // happened to wake for, and those trains of messages would circle between client and server for the whole run
        // (a window of 64 as four trains of 16 costs four reads and four writes per round instead of one).
        await connection.SendAsync(payload, CancellationToken.None).ConfigureAwait(false);
        var opened = false;

        try
        {
            // On the read loop, zero-copy: each echo arrives in a pooled buffer, checked and given back at once, and
            // answered before the next one is parsed.
            await connection.HandleMessagesAsync(lease =>
            {
                using (lease)
                {
                    BenchPayload.CheckEcho(lease.Message, settings.Size);
                }

                Interlocked.Increment(ref counter.Value);
                if (stop.IsCancellationRequested)
                {
                    return default;
                }

                if (opened)
                {
                    return connection.SendAsync(payload, CancellationToken.None);
                }

                opened = true;
                return SendWindowAsync(connection, payload, settings.Window);
            }, CancellationToken.None).ConfigureAwait(false);
        }
        catch (ConnectionClosedException) when (stop.IsCancellationRequested)
        {
            // Measurement over: the close raced a send.
        }
    }

    private static async ValueTask SendWindowAsync(WebSocketConnection connection, ReadOnlyMemory<byte> payload, int window)
    {
        for (var i = window; i > 0; i--)
        {
            await connection.SendAsync(payload, CancellationToken.None).ConfigureAwait(false);
        }
    }
}
