using System.Collections.Concurrent;
using RxSockets.Json;

namespace RxSockets.Demo;

/// <summary>The embedded server: trades every symbol on a random walk and broadcasts each tick, serialised once, to
/// every client that subscribed.</summary>
public sealed class MarketFeed : IAsyncDisposable
{
    private readonly WebSocketServer _server;
    private readonly ConcurrentDictionary<WebSocketConnection, bool> _subscribers = new();
    private readonly ConcurrentBag<Task> _clients = [];
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task _publishing;

    private MarketFeed(WebSocketServer server, DemoOptions options)
    {
        _server = server;
        server.Connections.Subscribe(client => _clients.Add(ServeAsync(client)));
        _publishing = PublishAsync(options, _stopping.Token);
    }

    /// <summary>The feed's URL.</summary>
    public Uri Url => _server.Url;

    /// <summary>Starts the server on a free loopback port and begins trading.</summary>
    public static async Task<MarketFeed> StartAsync(DemoOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        return new MarketFeed(await WebSocketServer.StartAsync(new WebSocketServerOptions(), cancellationToken), options);
    }

    /// <summary>Stops trading, then the server.</summary>
    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        await _publishing;
        await _server.DisposeAsync();
        await Task.WhenAll(_clients);
        _stopping.Dispose();
    }

    private async Task ServeAsync(WebSocketConnection client)
    {
        try
        {
            var requests = client.ReadAllAsync().DeserializeJson(DemoJsonContext.Default.SubscribeRequest, _ => client.Abort());
            await foreach (var _ in requests)
            {
                _subscribers[client] = true;
            }
        }
        catch (ConnectionClosedException)
        {
            // Gone without a close handshake.
        }

        _subscribers.TryRemove(client, out _);
    }

    private async Task PublishAsync(DemoOptions options, CancellationToken cancellationToken)
    {
        var random = new Random(options.Seed);
        var prices = options.Symbols.ToDictionary();
        using var timer = new PeriodicTimer(options.TickInterval);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken))
            {
                foreach (var symbol in prices.Keys)
                {
                    // A random walk of at most ±0.5% per tick, rounded to cents.
                    var price = prices[symbol] = Math.Round(prices[symbol] * (1 + (decimal)(random.NextDouble() - 0.5) / 100), 2);
                    var tick = JsonMessage.Serialize(new Tick(symbol, price, random.Next(1, 50) * 100), DemoJsonContext.Default.Tick);
                    await _server.BroadcastAsync(tick, client => _subscribers.ContainsKey(client), cancellationToken);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopped.
        }
    }
}
