namespace RxSockets.Examples;

/// <summary>A publish/subscribe broker that runs until stopped (Ctrl+C).</summary>
public static class PubSubExample
{
    /// <summary>Runs the broker until <paramref name="cancellationToken"/> is cancelled.</summary>
    /// <param name="port">The port; 0 picks a free one.</param>
    /// <param name="output">Where to print the URL and the subscription changes.</param>
    /// <param name="cancellationToken">Stops the broker.</param>
    public static async Task RunAsync(int port, TextWriter output, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(output);
        await using (var server = await PubSubServer.StartAsync(new WebSocketServerOptions { Port = port }, output, cancellationToken))
        {
            output.WriteLine($"Pub/sub broker listening on {server.Url} (send: subscribe <topic> | unsubscribe <topic> | publish <topic> <text>)");
            await EchoServerExample.WaitForStopAsync(cancellationToken);
            output.WriteLine("Stopping");
        }

        output.WriteLine("Stopped");
    }
}
