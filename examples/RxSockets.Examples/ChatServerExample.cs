namespace RxSockets.Examples;

/// <summary>A chat server that runs until stopped (Ctrl+C).</summary>
public static class ChatServerExample
{
    /// <summary>Runs the server until <paramref name="cancellationToken"/> is cancelled.</summary>
    /// <param name="port">The port; 0 picks a free one.</param>
    /// <param name="output">Where to print the URL and who joins and leaves.</param>
    /// <param name="cancellationToken">Stops the server.</param>
    public static async Task RunAsync(int port, TextWriter output, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(output);
        await using (var server = await ChatServer.StartAsync(new WebSocketServerOptions { Port = port }, output, cancellationToken))
        {
            output.WriteLine($"Chat server listening on {server.Url} (connect with ?name=yourname)");
            await EchoServerExample.WaitForStopAsync(cancellationToken);
            output.WriteLine("Stopping");
        }

        output.WriteLine("Stopped");
    }
}
