using System.Diagnostics;
using System.Net.WebSockets;

namespace RxSockets.Bench.ClientWebSocketLoad;

/// <summary>The round-trip measurement: one message in flight per connection, every round trip timed.</summary>
/// <remarks>Stateless and thread-safe.</remarks>
internal static class LatencyRun
{
    /// <summary>Runs ping-pong loops until the duration passes or <see cref="LoadOptions.Count"/> round trips are measured.</summary>
    /// <param name="options">The parsed command line.</param>
    /// <returns>Round trips per second and the p50/p99/p99.9 round trip in microseconds.</returns>
    public static async Task<BenchResult> RunAsync(LoadOptions options)
    {
        var sockets = await Connector.ConnectManyAsync(options.Url, options.Connections, parallelism: 16, CancellationToken.None);
        var begin = Stopwatch.GetTimestamp();
        var measureFrom = begin + (long)(options.Warmup.TotalSeconds * Stopwatch.Frequency);
        var measureUntil = measureFrom + (long)(options.Duration.TotalSeconds * Stopwatch.Frequency);
        var perConnectionCount = options.Count == 0 ? long.MaxValue : Math.Max(1, options.Count / options.Connections);

        var runs = sockets.Select(s => Task.Run(() => PingPongAsync(s, options.Size, measureFrom, measureUntil, perConnectionCount))).ToArray();
        var samples = (await Task.WhenAll(runs)).SelectMany(s => s).ToArray();
        var measured = Stopwatch.GetElapsedTime(Math.Min(measureFrom, Stopwatch.GetTimestamp()));

        var (p50, p99, p999) = Percentiles.Summarize(samples);
        var rate = BenchResult.FromRate(samples.Length, options.Size, measured);
        return rate with { P50Microseconds = p50, P99Microseconds = p99, P999Microseconds = p999 };
    }

    private static async Task<List<double>> PingPongAsync(ClientWebSocket socket, int size, long measureFrom, long measureUntil, long count)
    {
        var payload = new byte[size];
        Random.Shared.NextBytes(payload);
        var reader = new MessageReader(socket, size);
        var samples = new List<double>(capacity: 1 << 16);
        try
        {
            while (samples.Count < count)
            {
                var start = Stopwatch.GetTimestamp();
                if (start >= measureUntil)
                {
                    break;
                }

                await socket.SendAsync(payload, WebSocketMessageType.Binary, endOfMessage: true, CancellationToken.None);
                if (!await reader.ReadAsync(CancellationToken.None))
                {
                    throw new WebSocketException(WebSocketError.ConnectionClosedPrematurely, "server closed during the run");
                }

                if (start >= measureFrom)
                {
                    samples.Add(Stopwatch.GetElapsedTime(start).TotalMicroseconds);
                }
            }

            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", timeout.Token);
        }
        finally
        {
            socket.Dispose();
        }

        return samples;
    }
}
