namespace RxSockets.Cli;

/// <summary>Nearest-rank percentiles of recorded samples (here, round-trip times in microseconds).</summary>
internal static class Percentiles
{
    /// <summary>The nearest-rank percentile: the smallest sample with at least <paramref name="percent"/> % of the
    /// samples at or below it. The samples must be sorted ascending.</summary>
    /// <param name="sorted">The samples, sorted ascending.</param>
    /// <param name="percent">Between 0 (exclusive) and 100 (inclusive), e.g. 99.9.</param>
    /// <returns>The percentile, or 0 when there are no samples.</returns>
    public static double Of(IReadOnlyList<double> sorted, double percent)
    {
        ArgumentNullException.ThrowIfNull(sorted);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(percent);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(percent, 100);
        if (sorted.Count == 0)
        {
            return 0;
        }

        // Rounding guards against 99.9 / 100 * 1000 landing a hair above 999.
        var rank = (int)Math.Ceiling(Math.Round(percent / 100 * sorted.Count, 9));
        return sorted[Math.Clamp(rank, 1, sorted.Count) - 1];
    }
}
