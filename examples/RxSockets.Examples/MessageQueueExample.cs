namespace RxSockets.Examples;

/// <summary>Send queued messages one at a time: the next goes only after the reply to the previous one arrived.</summary>
public static class MessageQueueExample
{
    /// <summary>Runs the example.</summary>
    /// <param name="url">The server; null starts an in-process echo server.</param>
    /// <param name="output">Where to print.</param>
    /// <param name="cancellationToken">Stops the example.</param>
    public static async Task RunAsync(Uri? url, TextWriter output, CancellationToken cancellationToken)
    {
        await using var target = await ExampleTarget.OpenAsync(url, output, cancellationToken);
        await using var connection = await WebSocketConnection.ConnectAsync(target.Url, cancellationToken: cancellationToken);
        var queue = new Queue<string>(["first", "second", "third"]);

        await using var replies = connection.ReadAllAsync(cancellationToken).GetAsyncEnumerator(cancellationToken);
        while (queue.TryDequeue(out var next))
        {
            await connection.SendAsync(next, cancellationToken);
            output.WriteLine($"Sent: {next}");
            if (!await replies.MoveNextAsync())
            {
                output.WriteLine("The server closed before replying");
                return;
            }

            output.WriteLine($"Received: {replies.Current.GetText()}");
        }

        output.WriteLine("Queue empty");
        await connection.CloseAsync(cancellationToken: cancellationToken);
    }
}
