namespace RxSockets.Cli;

/// <summary>
/// How the counter keeps to <c>--rate R</c>: it ticks at most once a millisecond (a shorter timer period is refused by
/// <see cref="PeriodicTimer"/> and would not be kept anyway) and on each tick sends every message the elapsed time
/// allows, so any rate works; a rate above what the link takes just goes as fast as the link. Sans-I/O.
/// </summary>
internal static class CounterPace
{
    /// <summary>The shortest tick.</summary>
    public static readonly TimeSpan MinTick = TimeSpan.FromMilliseconds(1);

    /// <summary>The timer period for <paramref name="rate"/> messages per second: one message's worth of time, but
    /// never under <see cref="MinTick"/>.</summary>
    public static TimeSpan Tick(double rate) => TimeSpan.FromTicks(Math.Max(MinTick.Ticks, (long)(TimeSpan.TicksPerSecond / rate)));

    /// <summary>How many of <paramref name="count"/> messages are due after <paramref name="elapsed"/>: the first at
    /// once, then one per 1/<paramref name="rate"/> seconds.</summary>
    public static long Due(TimeSpan elapsed, double rate, long count)
    {
        var due = 1 + Math.Floor(Math.Max(0, elapsed.TotalSeconds) * rate);
        return due >= count ? count : (long)due;
    }
}
