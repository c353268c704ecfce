using System.Globalization;

namespace RxSockets.Bench;

/// <summary>One load-generator run's figures, printed as the contract's last stdout line.</summary>
/// <param name="MessagesPerSecond">Echoed messages received per second during the measured interval.</param>
/// <param name="MegabytesPerSecond">Echoed payload bytes received per second, in units of 10^6 bytes.</param>
/// <param name="P50Microseconds">Median round trip, or 0 when latency was not measured.</param>
/// <param name="P99Microseconds">99th percentile round trip, or 0 when latency was not measured.</param>
/// <param name="P999Microseconds">99.9th percentile round trip, or 0 when latency was not measured.</param>
/// <remarks>Immutable and thread-safe.</remarks>
internal sealed record BenchResult(
    double MessagesPerSecond,
    double MegabytesPerSecond,
    double P50Microseconds,
    double P99Microseconds,
    double P999Microseconds)
{
    /// <summary>A result with every field 0, for runs that measure nothing (the idle mode).</summary>
    public static BenchResult Empty { get; } = new(0, 0, 0, 0, 0);

    /// <summary>Builds the rate fields from a message count over an interval.</summary>
    /// <param name="messages">Messages echoed in the interval.</param>
    /// <param name="payloadBytes">Payload bytes per message.</param>
    /// <param name="elapsed">The measured interval.</param>
    /// <returns>A result whose latency fields are 0.</returns>
    public static BenchResult FromRate(long messages, int payloadBytes, TimeSpan elapsed)
    {
        var seconds = elapsed.TotalSeconds;
        if (seconds <= 0)
        {
            return Empty;
        }

        var perSecond = messages / seconds;
        return new(perSecond, perSecond * payloadBytes / 1e6, 0, 0, 0);
    }

    /// <summary>Formats the line exactly as the benchmark contract requires; <c>bench/run.sh</c> parses it.</summary>
    /// <returns><c>result: msgs_per_s=… MB_per_s=… p50_us=… p99_us=… p999_us=…</c> with invariant-culture numbers.</returns>
    public override string ToString() => string.Create(
        CultureInfo.InvariantCulture,
        $"result: msgs_per_s={MessagesPerSecond:F1} MB_per_s={MegabytesPerSecond:F3} p50_us={P50Microseconds:F1} p99_us={P99Microseconds:F1} p999_us={P999Microseconds:F1}");
}
