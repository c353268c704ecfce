namespace RxSockets.Examples;

/// <summary>Notifications over a subprotocol with an Authorization header: <see cref="WebSocketClient.OnConnected"/>
/// subscribes again after every reconnect, before anything queued is sent.</summary>
public static class NotificationsExample
{
    /// <summary>The subprotocol both ends speak.</summary>
    public const string SubProtocol = "notify.v1";

    /// <summary>Runs the example.</summary>
    /// <param name="url">A notification server; null starts one that checks the token, sends one notification per
    /// subscription and drops the client after the first (1012), so the re-subscription shows.</param>
    /// <param name="output">Where to print.</param>
    /// <param name="cancellationToken">Stops the example.</param>
    public static async Task RunAsync(Uri? url, TextWriter output, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(output);
        var serverOptions = new WebSocketServerOptions
        {
            SubProtocols = { SubProtocol },
            VerifyClient = (request, _) => ValueTask.FromResult(
                request.GetHeader("Authorization") == "Bearer demo-token" ? null : new HandshakeRejection(401)),
        };
        await using var server = url is null ? await WebSocketServer.StartAsync(serverOptions, cancellationToken) : null;
        var serving = server is null ? Task.CompletedTask : ServeAsync(server, cancellationToken);
        var options = new WebSocketClientOptions { SubProtocols = { SubProtocol }, Headers = { ["Authorization"] = "Bearer demo-token" } };
        var reconnect = new ReconnectOptions { ReconnectDelay = TimeSpan.FromMilliseconds(50) };
        await using var client = new WebSocketClient(url ?? server!.Url, options, reconnect);   // one of the two is set
        client.OnConnected = async (connection, token) =>
        {
            output.WriteLine($"Connected with {connection.SubProtocol}: subscribing to alerts");
            await connection.SendAsync("subscribe alerts", token);
        };
        await client.StartAsync(cancellationToken);

        var received = 0;
        await foreach (var notification in client.ReadAllAsync(cancellationToken))
        {
            output.WriteLine($"Notification: {notification.GetText()}");
            if (++received == 2)
            {
                break;
            }
        }

        await client.StopAsync(cancellationToken);
        if (server is not null)
        {
            await server.StopAsync(cancellationToken);
        }

        await serving;
    }

    private static async Task ServeAsync(WebSocketServer server, CancellationToken cancellationToken)
    {
        var sent = 0;
        try
        {
            await foreach (var connection in server.AcceptAllAsync(cancellationToken))
            {
                await foreach (var request in connection.ReadAllAsync(cancellationToken))
                {
                    if (request.GetText() == "subscribe alerts")
                    {
                        await connection.SendAsync($"alert #{++sent}", cancellationToken);
                        break;
                    }
                }

                if (sent == 1)
                {
                    await connection.CloseAsync(CloseCode.ServiceRestart, "redeploying", cancellationToken);
                }
            }
        }
        catch (Exception error) when (error is OperationCanceledException or ConnectionClosedException)
        {
            // The example is over.
        }
    }
}
