using System.Globalization;

namespace RxSockets.Cli;

/// <summary>The numbers <c>bench</c> reports; a field the run did not measure is 0.</summary>
internal sealed record BenchResult(double MessagesPerSecond, double MegabytesPerSecond, double P50Microseconds, double P99Microseconds, double P999Microseconds)
{
    /// <summary>The last line <c>bench</c> prints, in the invariant culture:
    /// <c>result: msgs_per_s=… MB_per_s=… p50_us=… p99_us=… p999_us=…</c>.</summary>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"result: msgs_per_s={MessagesPerSecond:0.###} MB_per_s={MegabytesPerSecond:0.###} p50_us={P50Microseconds:0.###} p99_us={P99Microseconds:0.###} p999_us={P999Microseconds:0.###}");
}
