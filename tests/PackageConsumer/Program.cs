using RxSockets;

// An echo through the packaged RxSockets: an embedded server on a free loopback port and a client; prints
// "echo: hello from the package" and exits 0, or exits 1 after 30 s.
using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
var token = timeout.Token;

await using var server = await WebSocketServer.StartAsync(new WebSocketServerOptions { Port = 0 }, token);
var echo = Task.Run(async () =>
{
    await foreach (var connection in server.AcceptAllAsync(token))
    {
        await using (connection)
        {
            try
            {
                await foreach (var message in connection.ReadAllAsync(token))
                {
                    await connection.SendAsync(message, token);
                }
            }
            catch (ConnectionClosedException)
            {
                // the client closed first; the echo is done
            }
        }

        return;
    }
}, token);

await using var client = await WebSocketConnection.ConnectAsync(server.Url, cancellationToken: token);
await client.SendAsync("hello from the package", token);
await foreach (var reply in client.ReadAllAsync(token))
{
    Console.WriteLine($"echo: {reply.GetText()}");
    break;
}

await client.CloseAsync(CloseCode.NormalClosure, "done", token);
await echo;
return 0;
