namespace RxSockets.Examples;

/// <summary>An echo server that runs until stopped (Ctrl+C).</summary>
public static class EchoServerExample
{
    /// <summary>Runs the server until <paramref name="cancellationToken"/> is cancelled.</summary>
    /// <param name="port">The port; 0 picks a free one.</param>
    /// <param name="output">Where to print the URL and the clients coming and going.</param>
    /// <param name="cancellationToken">Stops the server.</param>
    public static async Task RunAsync(int port, TextWriter output, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(output);
        await using (var server = await EchoServer.StartAsync(new WebSocketServerOptions { Port = port }, output, cancellationToken))
        {
            output.WriteLine($"Echo server listening on {server.Url}");
            await WaitForStopAsync(cancellationToken);
            output.WriteLine("Stopping");
        }

        output.WriteLine("Stopped");
    }

    /// <summary>Completes when the token is cancelled.</summary>
    internal static Task WaitForStopAsync(CancellationToken cancellationToken) =>
        Task.Delay(Timeout.Infinite, cancellationToken).ContinueWith(_ => { }, TaskScheduler.Default);
}
