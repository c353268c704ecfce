namespace RxSockets.Examples;

/// <summary>What <see cref="TradingFeedExample"/> trades and how its client summarises it.</summary>
public sealed class TradingFeedOptions
{
    /// <summary>The symbols and their opening prices.</summary>
    public IReadOnlyDictionary<string, double> Symbols { get; init; } =
        new Dictionary<string, double> { ["AAPL"] = 190, ["MSFT"] = 410, ["NVDA"] = 120, ["TSLA"] = 250 };

    /// <summary>How many rounds the feed publishes (one tick per symbol per round), as fast as it can.</summary>
    public int Rounds { get; init; } = 2_000;

    /// <summary>The seed of the random walk, so that every run trades the same ticks.</summary>
    public int Seed { get; init; } = 7;

    /// <summary>How many ticks of one symbol make one VWAP window (<c>Buffer</c>).</summary>
    public int WindowTicks { get; init; } = 250;

    /// <summary>How often the latest window is printed (<c>Sample</c>).</summary>
    public TimeSpan SampleInterval { get; init; } = TimeSpan.FromMilliseconds(20);
}
