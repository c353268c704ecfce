namespace RxSockets.Examples;

/// <summary>Bound the opening handshake with <see cref="ConnectionOptions.HandshakeTimeout"/>, and the wait for a
/// reply with a cancellation token.</summary>
public static class ConnectionTimeoutExample
{
    /// <summary>Runs the example.</summary>
    /// <param name="url">The server; null starts an in-process echo server.</param>
    /// <param name="timeout">How long the handshake, and then the reply, may take.</param>
    /// <param name="output">Where to print.</param>
    /// <param name="cancellationToken">Stops the example.</param>
    public static async Task RunAsync(Uri? url, TimeSpan timeout, TextWriter output, CancellationToken cancellationToken)
    {
        await using var target = await ExampleTarget.OpenAsync(url, output, cancellationToken);
        var options = new WebSocketClientOptions { HandshakeTimeout = timeout };
        WebSocketConnection connection;
        try
        {
            connection = await WebSocketConnection.ConnectAsync(target.Url, options, cancellationToken);
        }
        catch (HandshakeException error) when (error.StatusCode is null)
        {
            output.WriteLine($"Connection timed out: {error.Message}");
            return;
        }

        await using (connection)
        {
            output.WriteLine($"Connected within {timeout.TotalMilliseconds} ms");

            // The same idea for any later wait: a token that cancels itself after the timeout.
            using var replyTimeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            replyTimeout.CancelAfter(timeout);
            await connection.SendAsync("are you there?", cancellationToken);
            try
            {
                await foreach (var reply in connection.ReadAllAsync(replyTimeout.Token))
                {
                    output.WriteLine($"Received: {reply.GetText()}");
                    break;
                }
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                output.WriteLine($"No reply within {timeout.TotalMilliseconds} ms");
            }

            await connection.CloseAsync(cancellationToken: cancellationToken);
        }
    }
}
