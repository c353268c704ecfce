using System.Collections.Immutable;
using System.Reactive.Concurrency;
using System.Reactive.Linq;
using System.Reactive.Threading.Tasks;
using RxSockets.Json;

namespace RxSockets.Demo;

/// <summary>The showcase: an embedded market feed, and a client whose Rx pipeline turns the raw ticks into a live
/// per-symbol table.</summary>
public static class TradingDemo
{
    /// <summary>Runs the feed and the client for <see cref="DemoOptions.Duration"/>, then closes cleanly.</summary>
    /// <param name="options">Durations and symbols.</param>
    /// <param name="output">Where the table is printed.</param>
    /// <param name="cancellationToken">Stops early.</param>
    /// <param name="scheduler">The clock of the time windows; null for <see cref="Scheduler.Default"/>.</param>
    /// <returns>What the client received.</returns>
    public static async Task<DemoResult> RunAsync(DemoOptions options, TextWriter output, CancellationToken cancellationToken,
        IScheduler? scheduler = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(output);
        scheduler ??= Scheduler.Default;
        await using var feed = await MarketFeed.StartAsync(options, cancellationToken);
        await using var connection = await WebSocketConnection.ConnectAsync(feed.Url, cancellationToken: cancellationToken);
        using var states = connection.States.Subscribe(state => output.WriteLine($"[state] {state}"));
        output.WriteLine($"[ping] {(await connection.PingAsync(cancellationToken: cancellationToken)).TotalMilliseconds:F2} ms round trip to {feed.Url}");

        // Incoming is a hot IObservable<Message>; DeserializeJson makes it IObservable<Tick> (bad JSON is reported).
        var ticks = connection.Incoming
            .DeserializeJson(DemoJsonContext.Default.Tick, error => output.WriteLine($"[bad tick] {error.RawText}"))
            .Publish();

        // Per symbol: cut the stream into windows, summarise each (last, min, max, VWAP), fold into one board.
        var board = ticks
            .GroupBy(tick => tick.Symbol)
            .SelectMany(symbol => symbol
                .Buffer(options.Window, scheduler)
                .Where(window => window.Count > 0)
                .Select(window => Quote.From(symbol.Key, window)))
            .Scan(ImmutableSortedDictionary<string, Quote>.Empty, (quotes, quote) => quotes.SetItem(quote.Symbol, quote));
        var printer = new BoardPrinter(output, scheduler);
        ImmutableSortedDictionary<string, Quote>? latest = null;
        // Print the latest board once per window, half a window after the per-symbol windows close.
        using var printing = board
            .Do(quotes => latest = quotes)
            .Sample(Observable.Timer(options.Window * 1.5, options.Window, scheduler))
            .Subscribe(printer.Show);

        // Subscribed after the board, so the board has taken the last ticks when the counts complete.
        var counts = ticks
            .GroupBy(tick => tick.Symbol)
            .SelectMany(symbol => symbol.Count().Select(count => KeyValuePair.Create(symbol.Key, count)))
            .ToDictionary(pair => pair.Key, pair => pair.Value)
            .ToTask(cancellationToken);
        using var ticksConnection = ticks.Connect();

        // Outgoing is an IObserver<Message>; AsJsonObserver makes it an IObserver<SubscribeRequest>.
        connection.Outgoing.AsJsonObserver(DemoJsonContext.Default.SubscribeRequest).OnNext(new SubscribeRequest([.. options.Symbols.Keys]));

        await Task.Delay(options.Duration, cancellationToken);
        output.WriteLine($"[ping] {(await connection.PingAsync(cancellationToken: cancellationToken)).TotalMilliseconds:F2} ms round trip under load");
        await connection.CloseAsync(CloseCode.NormalClosure, "demo over", cancellationToken);

        var received = await counts;   // Incoming completed with the close, so every count is final
        printer.Finish(latest, $"Received {received.Values.Sum()} ticks ({string.Join(", ", received.OrderBy(p => p.Key).Select(p => $"{p.Key} {p.Value}"))}); closed {connection.CloseStatus}");
        return new DemoResult(new Dictionary<string, int>(received), connection.State);
    }
}
