using System.Diagnostics;

namespace RxSockets.Bench.ClientWebSocketLoad;

/// <summary>The windowed throughput measurement: warm up, then count echoes over a fixed interval.</summary>
/// <remarks>Stateless and thread-safe.</remarks>
internal static class ThroughputRun
{
    /// <summary>Runs <see cref="LoadOptions.Connections"/> windowed connections and measures their combined echo rate.</summary>
    /// <param name="options">The parsed command line.</param>
    /// <returns>Messages and megabytes per second; latency fields are 0.</returns>
    public static async Task<BenchResult> RunAsync(LoadOptions options)
    {
        var sockets = await Connector.ConnectManyAsync(options.Url, options.Connections, parallelism: 16, CancellationToken.None);
        var echoes = sockets.Select(s => new WindowedEcho(s, options.Size, options.Window)).ToArray();
        foreach (var echo in echoes)
        {
            echo.Start();
        }

        try
        {
            await Task.Delay(options.Warmup);
            var before = echoes.Sum(e => e.Received);
            var start = Stopwatch.GetTimestamp();
            await Task.Delay(options.Duration);
            var after = echoes.Sum(e => e.Received);
            var elapsed = Stopwatch.GetElapsedTime(start);
            return BenchResult.FromRate(after - before, options.Size, elapsed);
        }
        finally
        {
            await Task.WhenAll(echoes.Select(e => e.StopAsync()));
        }
    }
}
