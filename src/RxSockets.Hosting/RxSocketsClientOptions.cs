namespace RxSockets.Hosting;

/// <summary>
/// One named client of <see cref="RxSocketsServiceCollectionExtensions.AddRxSocketsClient(Microsoft.Extensions.DependencyInjection.IServiceCollection, string, Action{RxSocketsClientOptions}?)"/>:
/// where it connects, whether the host starts it, and the core options of its connections and reconnects. Bound
/// first from the configuration section <c>RxSockets:Clients:{name}</c>, then changed by code.
/// </summary>
/// <remarks>Validated when the host starts and whenever a client is made (an <see cref="Microsoft.Extensions.Options.OptionsValidationException"/>
/// whose message names the client and the property); each client gets its own copy.</remarks>
public sealed class RxSocketsClientOptions
{
    /// <summary>The URL to connect to: <c>ws://</c> or <c>wss://</c> (<c>http://</c> and <c>https://</c> in configuration
    /// are taken as <c>ws://</c> and <c>wss://</c>). Required.</summary>
    /// <value>The default is null, which fails validation.</value>
    public Uri? Url { get; set; }

    /// <summary>Whether the host starts the shared client (<see cref="IRxSocketsClientFactory.GetClient"/>) when it starts,
    /// without waiting for the first connection (a server that is down does not hold the application's start; the client
    /// keeps retrying as <see cref="Reconnect"/> says), and disposes it (closing with 1000) when it stops.</summary>
    /// <value>The default is false: your code starts it.</value>
    public bool Start { get; set; }

    /// <summary>The options of every connection of the client (subprotocols, headers, heartbeat, limits, TLS…). Its
    /// <see cref="ConnectionOptions.LoggerFactory"/> is the host's <c>ILoggerFactory</c> unless code sets another.</summary>
    public WebSocketClientOptions Client { get; } = new();

    /// <summary>How the client reconnects (backoff, attempts, the queue of messages sent while disconnected).</summary>
    public ReconnectOptions Reconnect { get; } = new();
}
