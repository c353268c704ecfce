namespace RxSockets.Bench;

/// <summary>Nearest-rank percentiles over round-trip samples.</summary>
/// <remarks>Stateless and thread-safe; callers own the sample buffers.</remarks>
internal static class Percentiles
{
    /// <summary>Returns the nearest-rank percentile of samples that are already sorted ascending.</summary>
    /// <param name="sorted">Samples sorted ascending.</param>
    /// <param name="fraction">The percentile as a fraction in [0, 1], for example 0.999 for p99.9.</param>
    /// <returns>The smallest sample with at least <paramref name="fraction"/> of all samples at or below it; 0 when there are none.</returns>
    public static double OfSorted(ReadOnlySpan<double> sorted, double fraction)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(fraction);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(fraction, 1.0);
        if (sorted.IsEmpty)
        {
            return 0;
        }

        // Nearest rank: ceil(p * n), 1-based, so p50 of {1, 2} is 1 and p100 is the maximum.
        var rank = (int)Math.Ceiling(fraction * sorted.Length);
        return sorted[Math.Clamp(rank, 1, sorted.Length) - 1];
    }

    /// <summary>Sorts <paramref name="samples"/> in place and returns its p50, p99 and p99.9.</summary>
    /// <param name="samples">Round-trip times in microseconds; reordered by this call.</param>
    /// <returns>The three percentiles, each 0 when there are no samples.</returns>
    public static (double P50, double P99, double P999) Summarize(Span<double> samples)
    {
        samples.Sort();
        return (OfSorted(samples, 0.50), OfSorted(samples, 0.99), OfSorted(samples, 0.999));
    }
}
