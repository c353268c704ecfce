namespace RxSockets.Examples;

/// <summary>A live dashboard consumed with <c>await foreach</c>: the stream of a <see cref="WebSocketClient"/> spans
/// reconnections, so the loop simply keeps going.</summary>
public static class DashboardExample
{
    /// <summary>How many updates the example prints.</summary>
    public const int Updates = 5;

    /// <summary>Runs the example.</summary>
    /// <param name="url">A server that pushes updates; null starts one that sends "cpu=N%" lines and drops every
    /// client after three of them (1012, service restart), so the reconnect shows.</param>
    /// <param name="output">Where to print.</param>
    /// <param name="cancellationToken">Stops the example.</param>
    public static async Task RunAsync(Uri? url, TextWriter output, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(output);
        await using var server = url is null ? await WebSocketServer.StartAsync(new WebSocketServerOptions(), cancellationToken) : null;
        var feeding = server is null ? Task.CompletedTask : FeedAsync(server, cancellationToken);
        var reconnect = new ReconnectOptions { ReconnectDelay = TimeSpan.FromMilliseconds(50) };
        await using var client = new WebSocketClient(url ?? server!.Url, reconnect: reconnect);   // one of the two is set
        await client.StartAsync(cancellationToken);

        var count = 0;
        await foreach (var update in client.ReadAllAsync(cancellationToken))
        {
            output.WriteLine($"Dashboard: {update.GetText()}");
            if (++count == Updates)
            {
                break;
            }
        }

        await client.StopAsync(cancellationToken);
        if (server is not null)
        {
            await server.StopAsync(cancellationToken);
        }

        await feeding;
    }

    private static async Task FeedAsync(WebSocketServer server, CancellationToken cancellationToken)
    {
        var value = 0;
        try
        {
            await foreach (var connection in server.AcceptAllAsync(cancellationToken))
            {
                for (var i = 0; i < 3; i++)
                {
                    await connection.SendAsync($"cpu={++value * 10}%", cancellationToken);
                }

                await connection.CloseAsync(CloseCode.ServiceRestart, "redeploying", cancellationToken);
            }
        }
        catch (Exception error) when (error is OperationCanceledException or ConnectionClosedException)
        {
            // The example is over.
        }
    }
}
