namespace RxSockets.Examples;

/// <summary>The market of <see cref="TradingFeedExample"/>: sends every client the same burst of binary ticks, then
/// closes with 1000.</summary>
public sealed class TickFeedServer : HostedServer
{
    private readonly IReadOnlyList<BinaryTick> _ticks;

    private TickFeedServer(WebSocketServer server, IReadOnlyList<BinaryTick> ticks, TextWriter? log)
        : base(server, log)
    {
        _ticks = ticks;
    }

    /// <summary>Starts the feed on 127.0.0.1 and a free port.</summary>
    /// <param name="options">What to trade.</param>
    /// <param name="log">Where the feed narrates; null for nowhere.</param>
    /// <param name="cancellationToken">Cancels the start.</param>
    public static async Task<TickFeedServer> StartAsync(TradingFeedOptions options, TextWriter? log, CancellationToken cancellationToken)
    {
        var hosted = new TickFeedServer(await WebSocketServer.StartAsync(new WebSocketServerOptions(), cancellationToken), Generate(options), log);
        hosted.Serve();
        return hosted;
    }

    /// <summary>The feed's ticks: a seeded random walk of at most ±0.5% per tick, prices rounded to cents, volumes
    /// in round lots.</summary>
    /// <param name="options">What to trade.</param>
    public static IReadOnlyList<BinaryTick> Generate(TradingFeedOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
#pragma warning disable CA5394 // A seeded, reproducible market: no security here.
        var random = new Random(options.Seed);
        var prices = options.Symbols.ToDictionary();
        var ticks = new List<BinaryTick>(options.Rounds * prices.Count);
        for (var round = 0; round < options.Rounds; round++)
        {
            foreach (var symbol in options.Symbols.Keys)
            {
                var price = prices[symbol] = Math.Round(prices[symbol] * (1 + ((random.NextDouble() - 0.5) / 100)), 2);
                ticks.Add(new BinaryTick(symbol, price, random.Next(1, 50) * 100));
            }
        }
#pragma warning restore CA5394

        return ticks;
    }

    /// <summary>The text message that ends the feed (ticks are binary).</summary>
    public const string MarketClosed = "market closed";

    /// <inheritdoc />
    protected override async Task HandleAsync(WebSocketConnection connection)
    {
        try
        {
            foreach (var tick in _ticks)
            {
                await connection.SendAsync(tick.ToMessage());   // waits while the client's socket is full: backpressure
            }

            Log.WriteLine($"[feed] sent {_ticks.Count} ticks");
            await connection.SendAsync(MarketClosed);   // the last message: a reconnecting client's stream outlives the close
            await connection.CloseAsync(CloseCode.NormalClosure, "market closed");
        }
        catch (ConnectionClosedException)
        {
            // The client left early.
        }
    }
}
