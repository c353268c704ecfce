using System.Globalization;
using System.Reactive.Concurrency;
using System.Reactive.Linq;
using System.Reactive.Threading.Tasks;

namespace RxSockets.Examples;

/// <summary>A trading feed: an in-process server bursts binary ticks for several symbols; the client runs an Rx
/// pipeline (<c>GroupBy</c>, <c>Buffer</c>, a VWAP per symbol, <c>Sample</c>) at full speed, while a deliberately slow
/// widget is kept current by per-key conflation: it never slows the feed, and always ends on the newest price of every
/// symbol.</summary>
public static class TradingFeedExample
{
    /// <summary>Runs the feed and the client until the feed closes.</summary>
    /// <param name="options">What to trade; null for the defaults.</param>
    /// <param name="output">Where to print.</param>
    /// <param name="cancellationToken">Stops the example.</param>
    /// <param name="scheduler">The clock of <c>Sample</c>; null for <see cref="Scheduler.Default"/>.</param>
    /// <returns>What the client saw.</returns>
    public static async Task<TradingFeedResult> RunAsync(TradingFeedOptions? options, TextWriter output, CancellationToken cancellationToken,
        IScheduler? scheduler = null)
    {
        ArgumentNullException.ThrowIfNull(output);
        options ??= new TradingFeedOptions();
        scheduler ??= Scheduler.Default;
        await using var feed = await TickFeedServer.StartAsync(options, output, cancellationToken);
        // A reconnecting client, as a feed subscriber that lives for days would use: its Incoming spans reconnections,
        // so the feed's own "market closed" message, not the end of one connection, ends the pipeline.
        await using var client = new WebSocketClient(feed.Url);
        output.WriteLine($"[client] {options.Rounds} rounds of {string.Join(", ", options.Symbols.Keys)} from {feed.Url}");

        var ticks = client.Incoming.TakeWhile(message => message.IsBinary).Select(BinaryTick.Parse).Publish();

        // Full speed, on the connection's delivery loop: per symbol, cut windows of N ticks and compute their VWAP;
        // print only the latest window every SampleInterval, however fast they come.
        using var printing = ticks
            .GroupBy(tick => tick.Symbol)
            .SelectMany(symbol => symbol.Buffer(options.WindowTicks).Where(window => window.Count > 0)
                .Select(window => (Symbol: symbol.Key, Vwap: Vwap(window), Last: window[^1].Price)))
            .Sample(options.SampleInterval, scheduler)
            .Subscribe(window => output.WriteLine(Invariant($"[vwap] {window.Symbol} window VWAP {window.Vwap:F4}, last {window.Last:F2}")));
        var totals = ticks
            .GroupBy(tick => tick.Symbol)
            .SelectMany(symbol => symbol.Aggregate((Ticks: 0, PriceVolume: 0.0, Volume: 0.0, Last: 0.0),
                    (sum, tick) => (sum.Ticks + 1, sum.PriceVolume + (tick.Price * tick.Volume), sum.Volume + tick.Volume, tick.Price))
                .Select(sum => (Symbol: symbol.Key, sum.Ticks, Vwap: sum.PriceVolume / sum.Volume, sum.Last)))
            .ToList()
            .ToTask(cancellationToken);

        // The slow widget: it has its own mailbox holding the newest tick per symbol, so it neither blocks the socket
        // nor the pipeline above. To make the point it freezes on its first paint until the whole burst is over.
        var statistics = new FlowStatistics();
        var widget = new Dictionary<string, double>();
        var widgetDone = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var painting = ticks
            .ConflateByKey(tick => tick.Symbol, statistics)
            .Subscribe(tick =>
                {
                    if (widget.Count == 0)
                    {
                        totals.Wait(cancellationToken);   // frozen: a repaint that takes the whole burst
                    }

                    widget[tick.Symbol] = tick.Price;
                    output.WriteLine(Invariant($"[widget] {tick.Symbol} {tick.Price:F2}"));
                },
                error => widgetDone.TrySetException(error),
                () => widgetDone.TrySetResult());
        using var connected = ticks.Connect();
        await client.StartAsync(cancellationToken);

        var summary = await totals;
        await widgetDone.Task.WaitAsync(cancellationToken);
        foreach (var (symbol, count, vwap, last) in summary.OrderBy(s => s.Symbol, StringComparer.Ordinal))
        {
            output.WriteLine(Invariant($"[summary] {symbol}: {count} ticks, VWAP {vwap:F4}, last {last:F2}; widget shows {widget[symbol]:F2}"));
        }

        output.WriteLine($"[summary] widget painted {statistics.Delivered} updates; conflation spared it {statistics.Dropped} of {statistics.Received} ticks");
        return new TradingFeedResult(summary.Sum(s => s.Ticks), summary.ToDictionary(s => s.Symbol, s => s.Vwap),
            summary.ToDictionary(s => s.Symbol, s => s.Last), widget, statistics.Delivered, statistics.Dropped);
    }

    private static double Vwap(IList<BinaryTick> window) => window.Sum(t => t.Price * t.Volume) / window.Sum(t => t.Volume);

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
