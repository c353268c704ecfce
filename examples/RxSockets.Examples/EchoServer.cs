using System.Collections.Concurrent;

namespace RxSockets.Examples;

/// <summary>An embedded echo server: every message a client sends comes straight back to it. The client examples
/// start one in-process when no URL is given.</summary>
public sealed class EchoServer : IAsyncDisposable
{
    private readonly WebSocketServer _server;
    private readonly TextWriter _log;
    private readonly ConcurrentBag<Task> _clients = [];
    private readonly IDisposable _subscription;

    private EchoServer(WebSocketServer server, TextWriter log)
    {
        _server = server;
        _log = log;
        _subscription = server.Connections.Subscribe(connection => _clients.Add(EchoAsync(connection)));
    }

    /// <summary>The URL clients connect to.</summary>
    public Uri Url => _server.Url;

    /// <summary>Starts listening.</summary>
    /// <param name="options">Where to listen; null for 127.0.0.1 on a free port.</param>
    /// <param name="log">Where connects and disconnects are written; null for nowhere.</param>
    /// <param name="cancellationToken">Cancels the start.</param>
    public static async Task<EchoServer> StartAsync(WebSocketServerOptions? options = null, TextWriter? log = null,
        CancellationToken cancellationToken = default)
    {
        var server = await WebSocketServer.StartAsync(options ?? new WebSocketServerOptions(), cancellationToken);
        return new EchoServer(server, log ?? TextWriter.Null);
    }

    /// <summary>Stops the server (clients are closed with 1001) and waits for every echo loop to end.</summary>
    public async ValueTask DisposeAsync()
    {
        await _server.DisposeAsync();
        _subscription.Dispose();
        await Task.WhenAll(_clients);
    }

    private async Task EchoAsync(WebSocketConnection connection)
    {
        _log.WriteLine($"[server] client #{connection.Id} connected from {connection.RemoteEndPoint}");
        try
        {
            // ReadAllAsync + SendAsync keeps backpressure: a client that does not read its echoes slows itself down.
            await foreach (var message in connection.ReadAllAsync())
            {
                await connection.SendAsync(message);
            }

            _log.WriteLine($"[server] client #{connection.Id} disconnected: {connection.CloseStatus}");
        }
        catch (ConnectionClosedException error)
        {
            _log.WriteLine($"[server] client #{connection.Id} dropped: {error.Message}");
        }
    }
}
