namespace RxSockets;

/// <summary>
/// Makes reconnecting clients that share a base address and options, as an API client's <c>websocket(path)</c> does:
/// <c>factory.Connect("/chat")</c> resolves against <see cref="BaseAddress"/>, <c>factory.Connect("wss://other.example/room")</c>
/// is used as is.
/// </summary>
/// <remarks>Relative paths resolve as <see cref="Uri(Uri, string)"/> does (RFC 3986, like <c>HttpClient.BaseAddress</c>):
/// <c>"/chat"</c> replaces the base's path, <c>"chat"</c> is relative to its last <c>/</c>. Thread-safe; the options are
/// copied at construction.</remarks>
/// <example>
/// <code>
/// var factory = new WebSocketClientFactory(new Uri("wss://api.example.com/v1/"), new WebSocketClientOptions { Headers = { ["Authorization"] = "Bearer abc" } });
/// await using var chat = await factory.ConnectAsync("chat");          // wss://api.example.com/v1/chat
/// </code>
/// </example>
public sealed class WebSocketClientFactory
{
    private readonly WebSocketClientOptions _options;
    private readonly ReconnectOptions _reconnect;

    /// <summary>Creates a factory.</summary>
    /// <param name="baseAddress">An absolute ws://, wss://, http:// or https:// URL (http maps to ws, https to wss).</param>
    /// <param name="options">Options shared by every client; null for the defaults.</param>
    /// <param name="reconnect">Reconnect options shared by every client; null for the defaults.</param>
    /// <exception cref="ArgumentException">The base address is not such a URL, or an option is invalid.</exception>
    public WebSocketClientFactory(Uri baseAddress, WebSocketClientOptions? options = null, ReconnectOptions? reconnect = null)
    {
        ArgumentNullException.ThrowIfNull(baseAddress);
        BaseAddress = WebSocketUrl.Validate(baseAddress.Scheme is "http" or "https" ? WebSocketUrl.FromHttp(baseAddress) : baseAddress, nameof(baseAddress));
        _options = (options ?? new WebSocketClientOptions()).ValidatedCopy();
        _reconnect = (reconnect ?? new ReconnectOptions()).ValidatedCopy();
    }

    /// <summary>The address relative paths resolve against.</summary>
    public Uri BaseAddress { get; }

    /// <summary>Resolves a path or URL against <see cref="BaseAddress"/>.</summary>
    /// <param name="pathOrUrl">A relative path (<c>/chat</c>, <c>room?id=1</c>) or an absolute ws(s):// or http(s):// URL.</param>
    /// <returns>The absolute ws:// or wss:// URL.</returns>
    /// <exception cref="ArgumentException">It does not resolve to a valid WebSocket URL.</exception>
    public Uri Resolve(string pathOrUrl)
    {
        ArgumentNullException.ThrowIfNull(pathOrUrl);
        var url = Uri.TryCreate(pathOrUrl, UriKind.Absolute, out var absolute) && absolute.Scheme is "ws" or "wss" or "http" or "https"
            ? absolute
            : new Uri(BaseAddress, pathOrUrl);
        return WebSocketUrl.Validate(url.Scheme is "http" or "https" ? WebSocketUrl.FromHttp(url) : url, nameof(pathOrUrl));
    }

    /// <summary>Creates a client for a path or URL with the shared options, without starting it.</summary>
    /// <inheritdoc cref="Resolve(string)"/>
    public WebSocketClient Create(string pathOrUrl) => new(Resolve(pathOrUrl), _options, _reconnect);

    /// <summary>Creates a client for a path or URL and starts it; its first connection opens in the background (watch
    /// <see cref="WebSocketClient.States"/> or <see cref="WebSocketClient.Events"/>), sends meanwhile are queued.</summary>
    /// <inheritdoc cref="Resolve(string)"/>
    public WebSocketClient Connect(string pathOrUrl)
    {
        var client = Create(pathOrUrl);
        _ = client.StartAsync().ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
        return client;
    }

    /// <summary>Creates a client for a path or URL, starts it and completes when its first connection is open.</summary>
    /// <param name="pathOrUrl">A relative path or an absolute URL.</param>
    /// <param name="cancellationToken">Stops waiting; the client is then disposed.</param>
    /// <returns>The started client.</returns>
    public async Task<WebSocketClient> ConnectAsync(string pathOrUrl, CancellationToken cancellationToken = default)
    {
        var client = Create(pathOrUrl);
        try
        {
            await client.StartAsync(cancellationToken).ConfigureAwait(false);
            return client;
        }
        catch
        {
            await client.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }
}
