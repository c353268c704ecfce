using System.Globalization;

namespace RxSockets.Cli;

/// <summary>
/// Byte sizes as the command line writes them: a whole number with an optional unit, no space — <c>65536</c>,
/// <c>512KiB</c>, <c>4MiB</c>, <c>1GiB</c> (powers of 1024), <c>64KB</c>, <c>4MB</c>, <c>1GB</c> (powers of 1000) or
/// <c>B</c>. Units are case-insensitive; negative, fractional and zero sizes are rejected.
/// </summary>
internal static class ByteSize
{
    /// <summary>The largest size accepted (1 TiB): far beyond any sane queue, and far from overflowing.</summary>
    public const long Max = 1L << 40;

    private static readonly (string Unit, long Factor)[] s_units =
    [
        ("KiB", 1L << 10), ("MiB", 1L << 20), ("GiB", 1L << 30),
        ("KB", 1_000), ("MB", 1_000_000), ("GB", 1_000_000_000), ("B", 1),
    ];

    /// <summary>Parses a size.</summary>
    /// <param name="text">The text, such as <c>4MiB</c>.</param>
    /// <param name="value">The size in bytes; zero when the text is invalid.</param>
    /// <returns>True when the text is a positive size of at most <see cref="Max"/> bytes.</returns>
    public static bool TryParse(string? text, out long value)
    {
        value = 0;
        if (string.IsNullOrEmpty(text))
        {
            return false;
        }

        var digits = 0;
        while (digits < text.Length && char.IsAsciiDigit(text[digits]))
        {
            digits++;
        }

        var unit = text[digits..];
        var factor = unit.Length == 0 ? 1L : 0L;
        foreach (var (name, size) in s_units)
        {
            factor = string.Equals(unit, name, StringComparison.OrdinalIgnoreCase) ? size : factor;
        }

        if (digits == 0 || factor == 0
            || !long.TryParse(text.AsSpan(0, digits), NumberStyles.None, CultureInfo.InvariantCulture, out var number)
            || number == 0 || number > Max / factor)
        {
            return false;
        }

        value = number * factor;
        return true;
    }
}
