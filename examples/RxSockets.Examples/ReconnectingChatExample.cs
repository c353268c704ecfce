namespace RxSockets.Examples;

/// <summary>A chat client that survives a server restart: <see cref="WebSocketClient"/> reconnects with backoff, and a
/// line typed while the server is down is queued and sent after the reconnect.</summary>
public static class ReconnectingChatExample
{
    /// <summary>Runs the example.</summary>
    /// <param name="url">An echo or chat server; null starts an echo server on a loopback port and restarts it midway.</param>
    /// <param name="output">Where to print.</param>
    /// <param name="cancellationToken">Stops the example.</param>
    public static async Task RunAsync(Uri? url, TextWriter output, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(output);
        var port = url?.Port ?? ExampleTarget.UnusedLoopbackPort();
        var server = url is null ? await EchoServer.StartAsync(new WebSocketServerOptions { Port = port }, null, cancellationToken) : null;
        url ??= new Uri($"ws://127.0.0.1:{port}/");
        var reconnect = new ReconnectOptions { ReconnectDelay = TimeSpan.FromMilliseconds(100), MaxReconnectDelay = TimeSpan.FromSeconds(2) };
        await using var client = new WebSocketClient(url, reconnect: reconnect);
        var reconnected = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var events = client.Events.Subscribe(new EventPrinter(output, reconnected));
        try
        {
            await client.StartAsync(cancellationToken);
            await using var replies = client.ReadAllAsync(cancellationToken).GetAsyncEnumerator(cancellationToken);
            await client.SendAsync("hello, room", cancellationToken);
            await replies.MoveNextAsync();
            output.WriteLine($"Received: {replies.Current.GetText()}");

            if (server is not null)
            {
                output.WriteLine("Restarting the server…");
                await server.DisposeAsync();
                await client.SendAsync("typed while the server was down", cancellationToken);   // queued, not lost
                server = await EchoServer.StartAsync(new WebSocketServerOptions { Port = port }, null, cancellationToken);
                await reconnected.Task.WaitAsync(cancellationToken);
                await replies.MoveNextAsync();
                output.WriteLine($"Received: {replies.Current.GetText()}");
            }

            await client.StopAsync(cancellationToken);
        }
        finally
        {
            if (server is not null)
            {
                await server.DisposeAsync();
            }
        }
    }

    private sealed class EventPrinter(TextWriter output, TaskCompletionSource reconnected) : IObserver<ClientEvent>
    {
        public void OnNext(ClientEvent value)
        {
            switch (value)
            {
                case ClientOpened:
                    output.WriteLine("Connected");
                    break;
                case ClientDisconnected d:
                    output.WriteLine($"Disconnected ({(int)d.Reason.Code})");
                    break;
                case ClientReconnected r:
                    output.WriteLine($"Reconnected after {r.Attempts} attempt(s)");
                    reconnected.TrySetResult();
                    break;
            }
        }

        public void OnError(Exception error)
        {
        }

        public void OnCompleted()
        {
        }
    }
}
