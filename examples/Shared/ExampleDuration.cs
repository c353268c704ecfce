using System.Globalization;

namespace RxSockets.Examples.Shared;

/// <summary>The examples' command-line durations (linked into each example that takes one).</summary>
internal static class ExampleDuration
{
    /// <summary>Reads <c>500ms</c>, <c>2s</c> or <c>1m</c> (positive).</summary>
    /// <param name="text">The text.</param>
    /// <param name="option">The option it is the value of, for the error.</param>
    /// <exception cref="FormatException">It is not such a duration.</exception>
    public static TimeSpan Parse(string text, string option)
    {
        foreach (var (unit, scale) in new[] { ("ms", 1.0), ("s", 1_000.0), ("m", 60_000.0) })
        {
            if (text.EndsWith(unit, StringComparison.Ordinal)
                && double.TryParse(text.AsSpan(0, text.Length - unit.Length), NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var value)
                && value > 0)
            {
                return TimeSpan.FromMilliseconds(value * scale);
            }
        }

        throw new FormatException($"{option}: '{text}' is not a duration such as 500ms, 2s or 1m");
    }
}
