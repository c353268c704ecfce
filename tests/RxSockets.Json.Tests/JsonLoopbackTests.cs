using System.Reactive.Linq;
using System.Reactive.Threading.Tasks;
using System.Text;
using RxSockets.Json.Tests.Support;

namespace RxSockets.Json.Tests;

public class JsonLoopbackTests
{
    [Test, CancelAfter(10_000)]
    public async Task SendJsonAsync_EchoServer_RoundTripsThroughIncoming(CancellationToken cancellationToken)
    {
        await using var server = await EchoServer.StartAsync(cancellationToken);
        await using var client = await WebSocketConnection.ConnectAsync(server.Url, cancellationToken: cancellationToken);
        var errors = new List<JsonMessageError>();
        var received = client.Incoming.DeserializeJson(TestJsonContext.Default.Tick, errors.Add).Take(2).ToList().ToTask(cancellationToken);

        await client.SendJsonAsync(new Tick("A", 1.5m), TestJsonContext.Default.Tick, cancellationToken);
        await client.SendJsonAsync(new Tick("B", 2.5m), TestJsonContext.Default.Tick, cancellationToken);
        var ticks = await received;

        Assert.That(ticks, Is.EqualTo(new[] { new Tick("A", 1.5m), new Tick("B", 2.5m) }));
        Assert.That(errors, Is.Empty);
    }

    [Test, CancelAfter(10_000)]
    public async Task DeserializeJson_InvalidAndBinaryMessagesOverSocket_StreamContinuesAndReportsError(CancellationToken cancellationToken)
    {
        await using var server = await EchoServer.StartAsync(cancellationToken);
        await using var client = await WebSocketConnection.ConnectAsync(server.Url, cancellationToken: cancellationToken);
        var errors = new List<JsonMessageError>();
        var received = client.Incoming.DeserializeJson(TestJsonContext.Default.Tick, errors.Add).Take(2).ToList().ToTask(cancellationToken);

        await client.SendJsonAsync(new Tick("A", 1m), TestJsonContext.Default.Tick, cancellationToken);
        await client.SendAsync("this is not JSON", cancellationToken);
        await client.SendAsync(Encoding.UTF8.GetBytes("""{"symbol":"BIN","price":7}""").AsMemory(), cancellationToken);
        var ticks = await received;

        Assert.That(ticks, Is.EqualTo(new[] { new Tick("A", 1m), new Tick("BIN", 7m) }));
        Assert.That(errors.Select(e => e.RawText), Is.EqualTo(new[] { "this is not JSON" }));
        Assert.That(client.State, Is.EqualTo(ConnectionState.Open));
    }

    [Test, CancelAfter(10_000)]
    public async Task AsJsonObserver_OverOutgoing_SendsValuesThatReadAllAsyncParses(CancellationToken cancellationToken)
    {
        await using var server = await EchoServer.StartAsync(cancellationToken);
        await using var client = await WebSocketConnection.ConnectAsync(server.Url, cancellationToken: cancellationToken);
        var outgoing = client.Outgoing.AsJsonObserver(TestJsonContext.Default.Tick);

        outgoing.OnNext(new Tick("A", 1m));
        await client.SendAsync("[1, 2", cancellationToken);
        outgoing.OnNext(new Tick("B", 2m));
        var results = new List<JsonResult<Tick>>();
        await foreach (var result in client.ReadAllAsync(cancellationToken).DeserializeJsonResults(TestJsonContext.Default.Tick, cancellationToken))
        {
            results.Add(result);
            if (results.Count == 3)
            {
                break;
            }
        }

        Assert.That(results.Select(r => r.IsSuccess), Is.EqualTo(new[] { true, false, true }));
        Assert.That(results[2].Value, Is.EqualTo(new Tick("B", 2m)));
        Assert.That(results[1].Error?.RawText, Is.EqualTo("[1, 2"));
    }

    [Test, CancelAfter(10_000)]
    public async Task SendJsonAsync_ReflectionOverload_RoundTripsThroughReadAllAsync(CancellationToken cancellationToken)
    {
        await using var server = await EchoServer.StartAsync(cancellationToken);
        await using var client = await WebSocketConnection.ConnectAsync(server.Url, cancellationToken: cancellationToken);
        var errors = new List<JsonMessageError>();

        await client.SendAsync("garbage", cancellationToken);
        await client.SendJsonAsync(new Tick("R", 4m), cancellationToken: cancellationToken);
        Tick? first = null;
        await foreach (var tick in client.ReadAllAsync(cancellationToken).DeserializeJson<Tick>(errors.Add, cancellationToken: cancellationToken))
        {
            first = tick;
            break;
        }

        Assert.That(first, Is.EqualTo(new Tick("R", 4m)));
        Assert.That(errors.Single().RawText, Is.EqualTo("garbage"));
    }
}
