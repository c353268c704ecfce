namespace RxSockets.Examples;

/// <summary>A chat server with rooms that runs until stopped (Ctrl+C).</summary>
public static class ChatRoomsExample
{
    /// <summary>Runs the server until <paramref name="cancellationToken"/> is cancelled.</summary>
    /// <param name="port">The port; 0 picks a free one.</param>
    /// <param name="output">Where to print the URL and the membership changes.</param>
    /// <param name="cancellationToken">Stops the server.</param>
    public static async Task RunAsync(int port, TextWriter output, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(output);
        await using (var server = await ChatRoomsServer.StartAsync(new WebSocketServerOptions { Port = port }, output, cancellationToken))
        {
            output.WriteLine($"Chat rooms listening on {server.Url} (connect with ?name=yourname, then /join <room>)");
            await EchoServerExample.WaitForStopAsync(cancellationToken);
            output.WriteLine("Stopping");
        }

        output.WriteLine("Stopped");
    }
}
