using Microsoft.Extensions.Options;

namespace RxSockets.Hosting;

/// <summary>The <see cref="IRxSocketsClientFactory"/>: shared clients by name, created on first use and disposed with
/// the container.</summary>
internal sealed class ClientFactory(IOptionsMonitor<RxSocketsClientOptions> options, ClientNames names) : IRxSocketsClientFactory, IAsyncDisposable
{
    private readonly Dictionary<string, WebSocketClient> _shared = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();
    private bool _disposed;

    public WebSocketClient GetClient(string name)
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (!_shared.TryGetValue(name, out var client))
            {
                client = CreateClient(name);
                _shared.Add(name, client);
            }

            return client;
        }
    }

    public WebSocketClient CreateClient(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (!names.Contains(name))
        {
            throw new InvalidOperationException($"No RxSockets client named '{name}' is registered: call services.AddRxSocketsClient(\"{name}\", ...) first.");
        }

        // Get validates (ClientOptionsValidator); the client copies the options, so later changes do not reach it.
        var current = options.Get(name);
        return new WebSocketClient(current.Url!, current.Client, current.Reconnect);
    }

    public async ValueTask DisposeAsync()
    {
        WebSocketClient[] clients;
        lock (_gate)
        {
            _disposed = true;
            clients = [.. _shared.Values];
        }

        foreach (var client in clients)
        {
            await client.DisposeAsync().ConfigureAwait(false);
        }
    }
}
