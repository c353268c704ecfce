using System.Reactive.Linq;
using System.Reactive.Threading.Tasks;
using System.Text.Json;
using System.Threading.Channels;

namespace RxSockets.Interop.Tests.Browser;

/// <summary>
/// The browser module <c>rxsockets.js</c> in headless Chromium against our messaging server
/// (<see cref="WebSocketServerOptions.Messaging"/>): subscriptions in order, publishing with acknowledgment,
/// requests both ways with replies and error codes, binary payloads, and recovery of every publication, exactly
/// once and in order, after the server aborted the page's connection while publications went on.
/// </summary>
public class BrowserMessagingTests : BrowserModuleFixture
{
    [Test, CancelAfter(30_000)]
    public async Task Subscribe_ReceivesTheServerPublications_InOrder(CancellationToken cancellationToken)
    {
        await using var server = await WebSocketServer.StartAsync(Options(), cancellationToken);
        var page = await Host.OpenPageAsync(Browser, cancellationToken);
        var subscribed = await page.EvaluateAsync<JsonElement>(
            $"globalThis.client = rx.connect({Json(server.Url)}); globalThis.c = collect(client, 'news'); c.off.ready", cancellationToken);

        var news = server.Topic("news");
        for (var i = 1; i <= 200; i++)
        {
            await news.PublishAsync($"n{i}", cancellationToken: cancellationToken);
        }

        await page.EvaluateAsync("c.count(200)", cancellationToken);
        var items = await page.EvaluateAsync<string[]>("c.items", cancellationToken);
        var positions = await page.EvaluateAsync<string[]>("c.positions", cancellationToken);

        Assert.That(subscribed.GetProperty("recovered").GetInt32(), Is.Zero);
        Assert.That(items, Is.EqualTo(Enumerable.Range(1, 200).Select(i => $"n{i}")));
        Assert.That(positions.Select(Offset), Is.EqualTo(Enumerable.Range(1, 200).Select(i => (long)i)));
        Assert.That(positions[^1], Is.EqualTo(news.Position.ToString()));
    }

    [Test, CancelAfter(30_000)]
    public async Task Publish_ResolvesWithThePositionTheServerAcknowledged(CancellationToken cancellationToken)
    {
        await using var server = await WebSocketServer.StartAsync(Options(), cancellationToken);
        var orders = server.Topic("orders");
        var published = orders.Publications.Take(5).ToList().ToTask(cancellationToken);
        var page = await Host.OpenPageAsync(Browser, cancellationToken);

        var positions = await page.EvaluateAsync<string[]>(
            $"globalThis.client = rx.connect({Json(server.Url)}); Promise.all([1, 2, 3, 4, 5].map(i => client.publish('orders', `o${{i}}`)))",
            cancellationToken);
        var publications = await published;

        Assert.That(publications.Select(p => p.Message.GetText()), Is.EqualTo(new[] { "o1", "o2", "o3", "o4", "o5" }), "pipelined, in call order");
        Assert.That(positions, Is.EqualTo(publications.Select(p => p.Position.ToString())));
        Assert.That(positions.Select(Offset), Is.EqualTo(new long[] { 1, 2, 3, 4, 5 }));
    }

    [Test, CancelAfter(30_000)]
    public async Task Request_RepliesByName_AndFailuresCarryTheirCode(CancellationToken cancellationToken)
    {
        var options = Options();
        options.Messaging!.RequestHandlers["echo"] = (request, _) => ValueTask.FromResult(request.Message);
        options.Messaging.RequestHandlers[""] = (request, _) => ValueTask.FromResult(Message.Text($"unnamed: {request.Message.GetText()}"));
        options.Messaging.RequestHandlers["deny"] = (_, _) => throw new RequestFailedException(MessagingErrorCodes.Forbidden, "not for you");
        options.Messaging.RequestHandlers["broken"] = (_, _) => throw new InvalidOperationException("a secret detail");
        await using var server = await WebSocketServer.StartAsync(options, cancellationToken);
        var page = await Host.OpenPageAsync(Browser, cancellationToken);
        await page.EvaluateAsync($"globalThis.client = rx.connect({Json(server.Url)}); true", cancellationToken);

        var echo = await page.EvaluateAsync<string>("client.request('h\u00e9llo \u2713', 'echo')", cancellationToken);
        var unnamed = await page.EvaluateAsync<string>("client.request('plain')", cancellationToken);
        var denied = await page.EvaluateAsync<JsonElement>("failure(client.request('x', 'deny'))", cancellationToken);
        var broken = await page.EvaluateAsync<JsonElement>("failure(client.request('x', 'broken'))", cancellationToken);
        var missing = await page.EvaluateAsync<JsonElement>("failure(client.request('x', 'nobody'))", cancellationToken);

        Assert.That(echo, Is.EqualTo("h\u00e9llo \u2713"));
        Assert.That(unnamed, Is.EqualTo("unnamed: plain"));
        Assert.That(denied.GetRawText(), Is.EqualTo("""{"code":"forbidden","reason":"not for you"}"""));
        Assert.That(broken.GetProperty("code").GetString(), Is.EqualTo("internal"));
        Assert.That(broken.GetProperty("reason").GetString(), Does.Not.Contain("secret"), "no details leak");
        Assert.That(missing.GetProperty("code").GetString(), Is.EqualTo("not_found"));
    }

    [Test, CancelAfter(30_000)]
    public async Task ServerRequest_IsAnsweredByTheHandlerThePageRegistered(CancellationToken cancellationToken)
    {
        await using var server = await WebSocketServer.StartAsync(Options(), cancellationToken);
        var connected = server.MessagingClients.FirstAsync().ToTask(cancellationToken);
        var page = await Host.OpenPageAsync(Browser, cancellationToken);
        await page.EvaluateAsync($$"""
            globalThis.client = rx.connect({{Json(server.Url)}});
            client.onRequest('add', async text => String(text.split(',').map(Number).reduce((a, b) => a + b)));
            client.onRequest('deny', () => { throw new rx.RxSocketsError('forbidden', 'ask nicely'); });
            true
            """, cancellationToken);
        var connection = await connected;

        var sum = await server.RequestAsync(connection, Message.Text("2,3,4"), "add", cancellationToken);
        var denied = await Assert.ThrowsAsync<RequestFailedException>(async () => await server.RequestAsync(connection, Message.Text(""), "deny", cancellationToken));
        var missing = await Assert.ThrowsAsync<RequestFailedException>(async () => await server.RequestAsync(connection, Message.Text(""), "nobody", cancellationToken));

        Assert.That(sum.GetText(), Is.EqualTo("9"));
        Assert.That((denied?.Code, denied?.Reason), Is.EqualTo(("forbidden", "ask nicely")));
        Assert.That(missing?.Code, Is.EqualTo("not_found"));
    }

    [Test, CancelAfter(30_000)]
    public async Task BinaryPayloads_RoundTripAsBytes_ThroughATopicAndARequest(CancellationToken cancellationToken)
    {
        var options = Options();
        options.Messaging!.RequestHandlers["echo"] = (request, _) => ValueTask.FromResult(request.Message);
        await using var server = await WebSocketServer.StartAsync(options, cancellationToken);
        var published = server.Topic("bytes").Publications.FirstAsync().ToTask(cancellationToken);
        var page = await Host.OpenPageAsync(Browser, cancellationToken);
        await page.EvaluateAsync(
            $"globalThis.client = rx.connect({Json(server.Url)}); globalThis.c = collect(client, 'bytes'); globalThis.all = Uint8Array.from({{ length: 256 }}, (_, i) => i); c.off.ready",
            cancellationToken);

        await page.EvaluateAsync("client.publish('bytes', all)", cancellationToken);
        await page.EvaluateAsync("c.count(1)", cancellationToken);
        var received = await page.EvaluateAsync<int[]>("c.items[0]", cancellationToken);
        var reply = await page.EvaluateAsync<JsonElement>(
            "client.request(all, 'echo').then(r => ({ isBytes: r instanceof Uint8Array, values: Array.from(r) }))", cancellationToken);
        var publication = await published;

        var all = Enumerable.Range(0, 256).ToArray();
        Assert.That(publication.Message.Type, Is.EqualTo(MessageType.Binary));
        Assert.That(publication.Message.Data.ToArray().Select(b => (int)b), Is.EqualTo(all));
        Assert.That(received, Is.EqualTo(all));
        Assert.That(reply.GetProperty("isBytes").GetBoolean(), Is.True);
        Assert.That(reply.GetProperty("values").Deserialize<int[]>(), Is.EqualTo(all));
    }

    [Test, CancelAfter(60_000)]
    public async Task ConnectionAborted_WhilePublicationsGoOn_ThePageEndsWithEveryPublicationOnceInOrder(CancellationToken cancellationToken)
    {
        const int PerPhase = 300;
        // While the gate is closed the server holds the page's handshakes, so the publications of the second phase are
        // all published while the page is away (recovered from history), and the third phase races its resubscription.
        var gate = Task.CompletedTask;
        var options = Options();
        options.ConfigureTopic = _ => new TopicOptions { HistorySize = 10 * PerPhase };
        options.VerifyClient = async (_, token) =>
        {
            await Volatile.Read(ref gate).WaitAsync(token);
            return null;
        };
        await using var server = await WebSocketServer.StartAsync(options, cancellationToken);
        var connections = Channel.CreateUnbounded<WebSocketConnection>();
        using var watching = server.MessagingClients.Subscribe(connection => connections.Writer.TryWrite(connection));
        var page = await Host.OpenPageAsync(Browser, cancellationToken);
        await page.EvaluateAsync($$"""
            globalThis.client = rx.connect({{Json(server.Url)}}, { initialDelay: 50, maxDelay: 200 });
            globalThis.subscriptions = [];
            client.on('subscribed', e => subscriptions.push(e));
            globalThis.c = collect(client, 'ticks');
            c.off.ready
            """, cancellationToken);
        var first = await connections.Reader.ReadAsync(cancellationToken);
        var ticks = server.Topic("ticks");

        await PublishAsync(ticks, 1, PerPhase, cancellationToken);
        var reopen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Volatile.Write(ref gate, reopen.Task);
        first.Abort();
        await PublishAsync(ticks, PerPhase + 1, 2 * PerPhase, cancellationToken);
        reopen.SetResult();
        await PublishAsync(ticks, 2 * PerPhase + 1, 3 * PerPhase, cancellationToken);
        await page.EvaluateAsync($"c.count({3 * PerPhase})", cancellationToken);
        var items = await page.EvaluateAsync<string[]>("c.items", cancellationToken);
        var gaps = await page.EvaluateAsync<JsonElement>("c.gaps", cancellationToken);
        var subscriptions = await page.EvaluateAsync<JsonElement>("subscriptions", cancellationToken);
        var second = await connections.Reader.ReadAsync(cancellationToken);

        Assert.That(second, Is.Not.SameAs(first), "the page reconnected");
        Assert.That(items, Is.EqualTo(Enumerable.Range(1, 3 * PerPhase).Select(i => $"t{i}")), "each once, in order");
        Assert.That(gaps.GetArrayLength(), Is.Zero);
        Assert.That(subscriptions.GetArrayLength(), Is.EqualTo(2));
        Assert.That(subscriptions[1].GetProperty("recovered").GetInt32(), Is.GreaterThanOrEqualTo(PerPhase), "the second phase came from history");
    }

    private static async Task PublishAsync(WebSocketTopic topic, int from, int to, CancellationToken cancellationToken)
    {
        for (var i = from; i <= to; i++)
        {
            await topic.PublishAsync($"t{i}", cancellationToken: cancellationToken);
        }
    }

    private static WebSocketServerOptions Options() =>
        new() { Host = "127.0.0.1", Port = 0, KeepAliveInterval = Timeout.InfiniteTimeSpan, Messaging = new MessagingServerOptions() };

    private static long Offset(string position) => TopicPosition.TryParse(position, out var parsed) ? parsed.Offset : -1;

}
