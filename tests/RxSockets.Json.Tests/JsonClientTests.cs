using System.Reactive.Linq;
using System.Reactive.Threading.Tasks;
using RxSockets.Json.Tests.Support;

namespace RxSockets.Json.Tests;

/// <summary>The JSON extensions serve the reconnecting client too, through <see cref="IWebSocketChannel"/>.</summary>
public class JsonClientTests
{
    [Test, CancelAfter(10_000)]
    public async Task SendJsonAsync_OnReconnectingClient_RoundTripsThroughTheEchoServer(CancellationToken cancellationToken)
    {
        await using var server = await EchoServer.StartAsync(cancellationToken);
        await using var client = new WebSocketClient(server.Url);
        var received = client.Incoming.DeserializeJson(TestJsonContext.Default.Tick, _ => { }).Take(2).ToList().ToTask(cancellationToken);

        // The first is queued before the client connects, and leaves once it has.
        await client.SendJsonAsync(new Tick("A", 1.5m), TestJsonContext.Default.Tick, cancellationToken);
        await client.StartAsync(cancellationToken);
        await client.SendJsonAsync(new Tick("B", 2.5m), TestJsonContext.Default.Tick, cancellationToken);

        Assert.That(await received, Is.EqualTo(new[] { new Tick("A", 1.5m), new Tick("B", 2.5m) }));
    }

    [Test, CancelAfter(10_000)]
    public async Task SendJsonAsync_ThroughTheInterface_ServesConnectionAndClientAlike(CancellationToken cancellationToken)
    {
        // The echo server answers its first client only: one each.
        await using var server = await EchoServer.StartAsync(cancellationToken);
        await using var other = await EchoServer.StartAsync(cancellationToken);
        await using var connection = await WebSocketConnection.ConnectAsync(server.Url, cancellationToken: cancellationToken);
        await using var client = new WebSocketClient(other.Url);
        await client.StartAsync(cancellationToken);

        foreach (IWebSocketChannel channel in new IWebSocketChannel[] { connection, client })
        {
            var echoed = channel.Incoming.DeserializeJson(TestJsonContext.Default.Tick, _ => { }).FirstAsync().ToTask(cancellationToken);
            await channel.SendJsonAsync(new Tick("C", 3m), TestJsonContext.Default.Tick, cancellationToken);
            Assert.That(await echoed, Is.EqualTo(new Tick("C", 3m)), channel.GetType().Name);
        }
    }
}
