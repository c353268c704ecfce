using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace RxSockets.Bench;

/// <summary>Parses and prints the benchmark's duration syntax: <c>250us</c>, <c>500ms</c>, <c>3s</c>, <c>1m</c>.</summary>
/// <remarks>Stateless and thread-safe.</remarks>
internal static class BenchDuration
{
    /// <summary>Parses a non-negative duration with a unit suffix (<c>us</c>, <c>ms</c>, <c>s</c>, <c>m</c>).</summary>
    /// <param name="text">The text, for example <c>1.5s</c>.</param>
    /// <param name="duration">The parsed duration.</param>
    /// <returns><see langword="true"/> when <paramref name="text"/> is a valid duration.</returns>
    public static bool TryParse([NotNullWhen(true)] string? text, out TimeSpan duration)
    {
        duration = TimeSpan.Zero;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        var (number, unitTicks) = text switch
        {
            _ when text.EndsWith("us", StringComparison.Ordinal) => (text[..^2], TimeSpan.TicksPerMicrosecond),
            _ when text.EndsWith("ms", StringComparison.Ordinal) => (text[..^2], TimeSpan.TicksPerMillisecond),
            _ when text.EndsWith('s') => (text[..^1], TimeSpan.TicksPerSecond),
            _ when text.EndsWith('m') => (text[..^1], TimeSpan.TicksPerMinute),
            _ => (text, 0L),
        };
        if (unitTicks == 0
            || !double.TryParse(number, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var value)
            || value * unitTicks > TimeSpan.MaxValue.Ticks)
        {
            return false;
        }

        duration = TimeSpan.FromTicks((long)(value * unitTicks));
        return true;
    }
}
