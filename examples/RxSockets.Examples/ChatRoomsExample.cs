namespace RxSockets.Examples;

/// <summary>A chat server with rooms that runs until stopped (Ctrl+C); several of them on one Redis are one chat.</summary>
public static class ChatRoomsExample
{
    /// <summary>Runs the server, this process alone, until <paramref name="cancellationToken"/> is cancelled.</summary>
    /// <param name="port">The port; 0 picks a free one.</param>
    /// <param name="output">Where to print the URL and the membership changes.</param>
    /// <param name="cancellationToken">Stops the server.</param>
    public static Task RunAsync(int port, TextWriter output, CancellationToken cancellationToken) =>
        RunAsync(new ChatRoomsOptions { Port = port }, output, cancellationToken);

    /// <summary>Runs the server until <paramref name="cancellationToken"/> is cancelled.</summary>
    /// <param name="options">The port, and the Redis backplane and history when given.</param>
    /// <param name="output">Where to print the URL and the membership changes.</param>
    /// <param name="cancellationToken">Stops the server.</param>
    public static async Task RunAsync(ChatRoomsOptions options, TextWriter output, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(output);
        await using (var server = await ChatRoomsServer.StartAsync(options.ToServerOptions(), output, cancellationToken))
        {
            output.WriteLine($"Chat rooms listening on {server.Url} (connect with ?name=yourname, then /join <room>)");
            if (options.Backplane is not null)
            {
                output.WriteLine($"Node {server.NodeId}: one chat with every node on the same Redis");
            }

            if (options.History > 0)
            {
                output.WriteLine($"Rooms keep their last {options.History} messages: come back with ?room=ROOM&since=OFFSET@EPOCH");
            }

            await EchoServerExample.WaitForStopAsync(cancellationToken);
            output.WriteLine("Stopping");
        }

        output.WriteLine("Stopped");
    }
}
