namespace RxSockets.Demo;

/// <summary>How long the demo runs and how fast the feed ticks.</summary>
public sealed class DemoOptions
{
    /// <summary>How long the client watches the feed.</summary>
    /// <value>The default is 5 seconds.</value>
    public TimeSpan Duration { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>The window each table row summarises, and how often the table is printed.</summary>
    /// <value>The default is 1 second.</value>
    public TimeSpan Window { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How often the feed trades every symbol once.</summary>
    /// <value>The default is 50 milliseconds.</value>
    public TimeSpan TickInterval { get; set; } = TimeSpan.FromMilliseconds(50);

    /// <summary>The symbols traded, with their opening prices.</summary>
    /// <value>The default is four made-up symbols.</value>
    public IReadOnlyDictionary<string, decimal> Symbols { get; set; } =
        new Dictionary<string, decimal> { ["ACME"] = 120m, ["GLOBX"] = 48.5m, ["INITECH"] = 7.25m, ["UMBRL"] = 310m };

    /// <summary>Seeds the random walk, so a run can be repeated.</summary>
    /// <value>The default is 42.</value>
    public int Seed { get; set; } = 42;
}
