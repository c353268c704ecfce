using System.Reactive.Linq;
using System.Text.Json;
using RxSockets.Json.Tests.Support;

namespace RxSockets.Json.Tests;

public class JsonRouterLoopbackTests
{
    [Test, CancelAfter(10_000)]
    public async Task Router_PerServerConnection_HandlesRequestsByTypeAndRepliesErrorsToBadOnes(CancellationToken cancellationToken)
    {
        await using var server = await WebSocketServer.StartAsync(new WebSocketServerOptions(), cancellationToken);
        using var serving = server.Connections.Subscribe(connection =>
        {
            var router = new JsonMessageRouter(connection.Incoming);
            router.On("chat", TestJsonContext.Default.Chat)
                .Subscribe(chat => connection.Outgoing.OnNext(Message.Text($$"""{"type":"ack","text":"{{chat.User}} said {{chat.Text}}"}""")));
            router.On("join", TestJsonContext.Default.Join)
                .Subscribe(join => connection.Outgoing.OnNext(Message.Text($$"""{"type":"ack","text":"joined {{join.Room}}"}""")));
            router.ReplyToDeadLetters(connection);
            router.Connect();
        });
        await using var client = await WebSocketConnection.ConnectAsync(server.Url, cancellationToken: cancellationToken);
        var replies = new List<JsonElement>();

        await client.SendJsonAsync(new Join("lobby"), TestJsonContext.Default.Join, cancellationToken);   // no "type": dead letter
        await client.SendAsync("""{"type":"join","room":"lobby"}""", cancellationToken);
        await client.SendAsync("{oops", cancellationToken);
        await client.SendAsync("""{"type":"dance"}""", cancellationToken);
        await client.SendAsync("""{"type":"chat","user":"ann","text":"hello"}""", cancellationToken);
        await foreach (var message in client.ReadAllAsync(cancellationToken))
        {
            replies.Add(JsonDocument.Parse(message.Data).RootElement);
            if (replies.Count == 5)
            {
                break;
            }
        }

        Assert.That(replies.Select(r => r.GetProperty("type").GetString()), Is.EqualTo(new[] { "error", "ack", "error", "error", "ack" }));
        Assert.That(replies.Select(r => r.TryGetProperty("reason", out var reason) ? reason.GetString() : null),
            Is.EqualTo(new[] { "missing-discriminator", null, "not-json", "unknown-discriminator", null }));
        Assert.That(replies[3].GetProperty("detail").GetString(), Is.EqualTo("Unknown message type 'dance'."));
        Assert.That(replies[4].GetProperty("text").GetString(), Is.EqualTo("ann said hello"));
        Assert.That(client.State, Is.EqualTo(ConnectionState.Open));
    }

    [Test, CancelAfter(10_000)]
    public async Task ReplyErrorAsync_ReasonAndDetail_SendsErrorTypedJson(CancellationToken cancellationToken)
    {
        await using var server = await EchoServer.StartAsync(cancellationToken);
        await using var client = await WebSocketConnection.ConnectAsync(server.Url, cancellationToken: cancellationToken);
        var echoed = client.Incoming.FirstAsync().RunAsync(cancellationToken);

        await client.ReplyErrorAsync("rate-limited", "slow \"down\"", cancellationToken);
        using var reply = JsonDocument.Parse((await echoed).Data);

        Assert.That(reply.RootElement.GetProperty("type").GetString(), Is.EqualTo("error"));
        Assert.That(reply.RootElement.GetProperty("reason").GetString(), Is.EqualTo("rate-limited"));
        Assert.That(reply.RootElement.GetProperty("detail").GetString(), Is.EqualTo("slow \"down\""));
    }
}
