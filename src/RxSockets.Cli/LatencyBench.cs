using System.Diagnostics;

namespace RxSockets.Cli;

/// <summary>
/// One binary message at a time against an echo server, timing each round trip in microseconds: warmup round
/// trips first (not recorded), then up to <see cref="BenchSettings.Count"/> recorded ones or until the duration ends.
/// </summary>
internal static class LatencyBench
{
    public static async Task<BenchResult> RunAsync(WebSocketConnection connection, BenchSettings settings)
    {
        var payload = BenchPayload.Create(settings.Size);

        // Keepalive is off during a benchmark, so a server that stops answering must not hang the run forever.
        var grace = TimeSpan.FromSeconds(10);
        using var stalled = new CancellationTokenSource(settings.Warmup + settings.Duration + grace);
        var echoes = connection.ReadAllAsync(stalled.Token).GetAsyncEnumerator(stalled.Token);
        await using (echoes.ConfigureAwait(false))
        {
            try
            {
                return await MeasureAsync(connection, settings, payload, echoes).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stalled.IsCancellationRequested)
            {
                throw new TimeoutException($"No echo arrived within {Duration.Format(grace)} after the measurement time.");
            }
        }
    }

    private static async Task<BenchResult> MeasureAsync(WebSocketConnection connection, BenchSettings settings, byte[] payload,
        IAsyncEnumerator<Message> echoes)
    {
        var warmup = Stopwatch.StartNew();
        while (warmup.Elapsed < settings.Warmup)
        {
            await RoundTripAsync(connection, payload, echoes).ConfigureAwait(false);
        }

        var samples = new List<double>(Math.Min(settings.Count, 1 << 20));
        var measuring = Stopwatch.StartNew();
        while (samples.Count < settings.Count && measuring.Elapsed < settings.Duration)
        {
            samples.Add(await RoundTripAsync(connection, payload, echoes).ConfigureAwait(false));
        }

        var perSecond = samples.Count / measuring.Elapsed.TotalSeconds;
        samples.Sort();
        return new BenchResult(perSecond, perSecond * settings.Size / 1_000_000,
            Percentiles.Of(samples, 50), Percentiles.Of(samples, 99), Percentiles.Of(samples, 99.9));
    }

    private static async Task<double> RoundTripAsync(WebSocketConnection connection, ReadOnlyMemory<byte> payload, IAsyncEnumerator<Message> echoes)
    {
        var start = Stopwatch.GetTimestamp();
        await connection.SendAsync(payload).ConfigureAwait(false);
        if (!await echoes.MoveNextAsync().ConfigureAwait(false))
        {
            throw new ConnectionClosedException("The server closed the connection during the benchmark.", received: connection.CloseStatus);
        }

        var elapsed = Stopwatch.GetElapsedTime(start);
        BenchPayload.CheckEcho(echoes.Current, payload.Length);
        return elapsed.TotalMicroseconds;
    }
}
