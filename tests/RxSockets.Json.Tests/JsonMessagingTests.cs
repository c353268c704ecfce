using System.Reactive.Linq;
using System.Reactive.Threading.Tasks;
using RxSockets.Json.Tests.Support;

namespace RxSockets.Json.Tests;

/// <summary>Typed JSON over the messaging protocol, client against a real messaging server over loopback.</summary>
public class JsonMessagingTests
{
    private static WebSocketClientOptions ClientOptions() => new() { Messaging = new MessagingClientOptions(), KeepAliveInterval = Timeout.InfiniteTimeSpan };

    [Test, CancelAfter(20_000)]
    public async Task Topic_PublishJson_ValuesArriveTyped_BadJsonIsReportedAndTheStreamGoesOn(CancellationToken cancellationToken)
    {
        await using var server = await WebSocketServer.StartAsync(new WebSocketServerOptions { Messaging = new MessagingServerOptions() }, cancellationToken);
        await using var client = new WebSocketClient(server.Url, ClientOptions());
        await client.StartAsync(cancellationToken);
        var errors = new List<JsonMessageError>();
        var ticks = client.Topic("ticks", TestJsonContext.Default.Tick, errors.Add).Take(2).ToList().ToTask(cancellationToken);
        await UntilSubscribedAsync(client.Topic("ticks"), cancellationToken);

        var position = await client.PublishJsonAsync("ticks", new Tick("A", 1.5m), TestJsonContext.Default.Tick, cancellationToken);
        await client.PublishAsync("ticks", Message.Text("not JSON"), cancellationToken);
        await client.PublishJsonAsync("ticks", new Tick("B", 2m), TestJsonContext.Default.Tick, cancellationToken);

        Assert.That(await ticks, Is.EqualTo(new[] { new Tick("A", 1.5m), new Tick("B", 2m) }));
        Assert.That(errors.Select(e => e.RawText), Is.EqualTo(new[] { "not JSON" }));
        Assert.That(position.Offset, Is.EqualTo(1));
    }

    [Test, CancelAfter(20_000)]
    public async Task RequestJson_AndMapJsonRequest_RoundTripTypedValues_InvalidRequestsAreBadRequest(CancellationToken cancellationToken)
    {
        var options = new WebSocketServerOptions { Messaging = new MessagingServerOptions() };
        options.Messaging.RequestHandlers["double"] = (request, _) =>
        {
            var tick = JsonMessage.Deserialize(request.Message, TestJsonContext.Default.Tick).Value;
            return ValueTask.FromResult(JsonMessage.Serialize(tick with { Price = tick.Price * 2 }, TestJsonContext.Default.Tick));
        };
        await using var server = await WebSocketServer.StartAsync(options, cancellationToken);
        var connected = server.MessagingClients.FirstAsync().ToTask(cancellationToken);
        await using var client = new WebSocketClient(server.Url, ClientOptions());
        using var mapped = client.MapJsonRequest("quote", (Tick tick, CancellationToken _) => ValueTask.FromResult(tick with { Symbol = tick.Symbol + "!" }),
            TestJsonContext.Default.Tick, TestJsonContext.Default.Tick);
        await client.StartAsync(cancellationToken);
        var connection = await connected;

        var doubled = await client.RequestJsonAsync(new Tick("A", 2m), TestJsonContext.Default.Tick, TestJsonContext.Default.Tick, "double", cancellationToken);
        var quoted = await server.RequestAsync(connection, JsonMessage.Serialize(new Tick("B", 1m), TestJsonContext.Default.Tick), "quote", cancellationToken);
        var invalid = await Assert.ThrowsAsync<RequestFailedException>(() => server.RequestAsync(connection, Message.Text("{"), "quote", cancellationToken).AsTask());

        Assert.That(doubled, Is.EqualTo(new Tick("A", 4m)));
        Assert.That(JsonMessage.Deserialize(quoted, TestJsonContext.Default.Tick).Value, Is.EqualTo(new Tick("B!", 1m)));
        Assert.That(invalid?.Code, Is.EqualTo(MessagingErrorCodes.BadRequest));
    }

    private static async Task UntilSubscribedAsync(ClientTopic topic, CancellationToken cancellationToken)
    {
        while (topic.Position is null)
        {
            cancellationToken.ThrowIfCancellationRequested();
            await Task.Yield();
        }
    }
}
