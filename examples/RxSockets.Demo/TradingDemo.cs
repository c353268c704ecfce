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
            .Scan(ImmutableSortedDictionary<string, Quote>.Empty, (quotes, quote) => quotes.SetItem(quote.Symbol, quote))
            .Replay(1);
        var counts = ticks
            .GroupBy(tick => tick.Symbol)
            .SelectMany(symbol => symbol.Count().Select(count => KeyValuePair.Create(symbol.Key, count)))
            .ToDictionary(pair => pair.Key, pair => pair.Value)
            .ToTask(cancellationToken);
        var started = scheduler.Now;
        ImmutableSortedDictionary<string, Quote>? printed = null;
        using var printing = board.Sample(options.Window, scheduler).Subscribe(quotes => Print(printed = quotes, scheduler.Now - started, output));
        using var boardConnection = board.Connect();
        using var ticksConnection = ticks.Connect();

        // Outgoing is an IObserver<Message>; AsJsonObserver makes it an IObserver<SubscribeRequest>.
        connection.Outgoing.AsJsonObserver(DemoJsonContext.Default.SubscribeRequest).OnNext(new SubscribeRequest([.. options.Symbols.Keys]));

        await Task.Delay(options.Duration, cancellationToken);
        output.WriteLine($"[ping] {(await connection.PingAsync(cancellationToken: cancellationToken)).TotalMilliseconds:F2} ms round trip under load");
        await connection.CloseAsync(CloseCode.NormalClosure, "demo over", cancellationToken);

        var received = await counts;   // Incoming completed with the close, so every count is final
        var last = await board.FirstOrDefaultAsync().ToTask(cancellationToken);
        if (last is not null && !ReferenceEquals(last, Volatile.Read(ref printed)))
        {
            Print(last, scheduler.Now - started, output);
        }

        output.WriteLine($"Received {received.Values.Sum()} ticks ({string.Join(", ", received.OrderBy(p => p.Key).Select(p => $"{p.Key} {p.Value}"))}) of {feed.Published} published; closed {connection.CloseStatus}");
        return new DemoResult(new Dictionary<string, int>(received), connection.State);
    }

    private static void Print(ImmutableSortedDictionary<string, Quote> quotes, TimeSpan elapsed, TextWriter output)
    {
        output.WriteLine($"── {elapsed.TotalSeconds,4:F1} s ── SYMBOL       LAST        MIN        MAX       VWAP  TICKS");
        foreach (var quote in quotes.Values)
        {
            output.WriteLine($"              {quote.Symbol,-8} {quote.Last,9:F2}  {quote.Min,9:F2}  {quote.Max,9:F2}  {quote.Vwap,9:F2}  {quote.Ticks,5}");
        }
    }
}
