namespace RxSockets.Tests.Loopback;

public class EchoLoopbackTests
{
    [Test, CancelAfter(10_000)]
    public async Task Client_EchoServer_RoundTripsTextAndBinary(CancellationToken cancellationToken)
    {
        await using var server = await WebSocketServer.StartAsync(new WebSocketServerOptions(), cancellationToken);
        var serving = Task.Run(async () =>
        {
            await foreach (var connection in server.AcceptAllAsync(cancellationToken))
            {
                await foreach (var message in connection.ReadAllAsync(cancellationToken))
                {
                    await connection.SendAsync(message, cancellationToken);
                }

                return;
            }
        }, cancellationToken);
        await using var client = await WebSocketConnection.ConnectAsync(server.Url, cancellationToken: cancellationToken);

        await client.SendAsync("hello", cancellationToken);
        await client.SendAsync(new byte[] { 1, 2, 3 }.AsMemory(), cancellationToken);
        var received = new List<Message>();
        await foreach (var message in client.ReadAllAsync(cancellationToken))
        {
            received.Add(message);
            if (received.Count == 2)
            {
                break;
            }
        }

        await client.CloseAsync(CloseCode.NormalClosure, "bye", cancellationToken);

        Assert.That(received[0].GetText(), Is.EqualTo("hello"));
        Assert.That(received[1].Data.ToArray(), Is.EqualTo(new byte[] { 1, 2, 3 }));
        Assert.That(client.CloseStatus?.Code, Is.EqualTo(CloseCode.NormalClosure));
        await serving;
    }
}
