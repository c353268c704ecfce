using System.Globalization;

namespace RxSockets.Cli;

/// <summary>
/// Durations as the command line writes them: one or more parts, each a number and a unit, largest unit first, each
/// unit at most once — <c>500ms</c>, <c>3s</c>, <c>1.5s</c>, <c>1m</c>, <c>2m30s</c>, <c>1h</c>. A bare number has no
/// unit and is rejected, as are negative values.
/// </summary>
internal static class Duration
{
    private static readonly (string Unit, double Milliseconds)[] s_units =
        [("h", 3_600_000), ("m", 60_000), ("s", 1_000), ("ms", 1)];

    /// <summary>Parses a duration.</summary>
    /// <param name="text">The text, such as <c>2m30s</c>.</param>
    /// <param name="value">The duration; zero when the text is invalid.</param>
    /// <returns>True when the text is a valid duration.</returns>
    public static bool TryParse(string? text, out TimeSpan value)
    {
        value = TimeSpan.Zero;
        if (string.IsNullOrEmpty(text))
        {
            return false;
        }

        var total = 0.0;
        var position = 0;
        var smallestUsed = -1;
        while (position < text.Length)
        {
            var numberStart = position;
            while (position < text.Length && (char.IsAsciiDigit(text[position]) || text[position] == '.'))
            {
                position++;
            }

            var unitStart = position;
            while (position < text.Length && char.IsAsciiLetterLower(text[position]))
            {
                position++;
            }

            var unit = Array.FindIndex(s_units, u => text.AsSpan(unitStart, position - unitStart).SequenceEqual(u.Unit));
            if (unitStart == numberStart || unit <= smallestUsed ||
                !double.TryParse(text.AsSpan(numberStart, unitStart - numberStart), NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var number))
            {
                return false;
            }

            smallestUsed = unit;
            total += number * s_units[unit].Milliseconds;
        }

        if (total > TimeSpan.MaxValue.TotalMilliseconds)
        {
            return false;
        }

        value = TimeSpan.FromMilliseconds(total);
        return true;
    }

    /// <summary>Writes a duration the way <see cref="TryParse"/> reads it, e.g. <c>1m30s</c> or <c>250ms</c>.</summary>
    public static string Format(TimeSpan value)
    {
        if (value == TimeSpan.Zero)
        {
            return "0s";
        }

        var parts = new List<string>();
        var hours = (long)value.TotalHours;
        if (hours > 0)
        {
            parts.Add(string.Create(CultureInfo.InvariantCulture, $"{hours}h"));
        }

        if (value.Minutes > 0)
        {
            parts.Add(string.Create(CultureInfo.InvariantCulture, $"{value.Minutes}m"));
        }

        if (value.Seconds > 0)
        {
            parts.Add(string.Create(CultureInfo.InvariantCulture, $"{value.Seconds}s"));
        }

        var milliseconds = value.TotalMilliseconds % 1000;
        if (milliseconds > 0)
        {
            parts.Add(string.Create(CultureInfo.InvariantCulture, $"{milliseconds:0.###}ms"));
        }

        return string.Concat(parts);
    }
}
