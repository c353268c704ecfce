namespace RxSockets.Demo;

/// <summary>One symbol's trading over one time window.</summary>
public sealed record Quote(string Symbol, decimal Last, decimal Min, decimal Max, decimal Vwap, int Ticks)
{
    /// <summary>Summarises a window of ticks of one symbol (at least one).</summary>
    public static Quote From(string symbol, IList<Tick> ticks)
    {
        ArgumentNullException.ThrowIfNull(ticks);
        var volume = ticks.Sum(t => (decimal)t.Volume);
        var vwap = ticks.Sum(t => t.Price * t.Volume) / volume;
        return new Quote(symbol, ticks[^1].Price, ticks.Min(t => t.Price), ticks.Max(t => t.Price), vwap, ticks.Count);
    }
}
