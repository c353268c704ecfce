namespace RxSockets.Json.Tests.Support;

/// <summary>A loopback server that echoes every message of its first client, for round-trip tests.</summary>
internal sealed class EchoServer : IAsyncDisposable
{
    private readonly WebSocketServer _server;
    private readonly Task _serving;

    private EchoServer(WebSocketServer server, CancellationToken cancellationToken)
    {
        _server = server;
        _serving = Task.Run(async () =>
        {
            await foreach (var connection in server.AcceptAllAsync(cancellationToken))
            {
                await foreach (var message in connection.ReadAllAsync(cancellationToken))
                {
                    await connection.SendAsync(message, cancellationToken);
                }

                return;
            }
        }, cancellationToken);
    }

    public Uri Url => _server.Url;

    public static async Task<EchoServer> StartAsync(CancellationToken cancellationToken) =>
        new(await WebSocketServer.StartAsync(new WebSocketServerOptions(), cancellationToken), cancellationToken);

    public async ValueTask DisposeAsync()
    {
        await _server.DisposeAsync();
        await _serving;
    }
}
