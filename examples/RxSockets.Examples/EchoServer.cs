namespace RxSockets.Examples;

/// <summary>An embedded echo server: every message a client sends comes straight back to it. The client examples
/// start one in-process when no URL is given.</summary>
public sealed class EchoServer : HostedServer
{
    private EchoServer(WebSocketServer server, TextWriter? log)
        : base(server, log)
    {
    }

    /// <summary>Starts listening.</summary>
    /// <param name="options">Where to listen; null for 127.0.0.1 on a free port.</param>
    /// <param name="log">Where connects and disconnects are written; null for nowhere.</param>
    /// <param name="cancellationToken">Cancels the start.</param>
    public static async Task<EchoServer> StartAsync(WebSocketServerOptions? options = null, TextWriter? log = null,
        CancellationToken cancellationToken = default)
    {
        var server = await WebSocketServer.StartAsync(options ?? new WebSocketServerOptions(), cancellationToken);
        var hosted = new EchoServer(server, log);
        hosted.Serve();
        return hosted;
    }

    /// <inheritdoc />
    protected override async Task HandleAsync(WebSocketConnection connection)
    {
        Log.WriteLine($"[server] client #{connection.Id} connected from {connection.RemoteEndPoint}");
        try
        {
            // ReadAllAsync + SendAsync keeps backpressure: a client that does not read its echoes slows itself down.
            await foreach (var message in connection.ReadAllAsync())
            {
                await connection.SendAsync(message);
            }

            Log.WriteLine($"[server] client #{connection.Id} disconnected: {connection.CloseStatus}");
        }
        catch (ConnectionClosedException error)
        {
            Log.WriteLine($"[server] client #{connection.Id} dropped: {error.Message}");
        }
    }
}
