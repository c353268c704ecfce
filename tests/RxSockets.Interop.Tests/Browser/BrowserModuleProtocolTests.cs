using System.Text;
using System.Text.Json;
using RxSockets.Messaging;

namespace RxSockets.Interop.Tests.Browser;

/// <summary>
/// The browser module <c>rxsockets.js</c> in headless Chromium against a scripted peer: a plain RxSockets server that
/// selects <c>rxsockets.v1</c> and writes exactly the frames a test needs (with <see cref="ProtocolCodec"/>), so the
/// module's own rules are checked frame by frame: duplicates and older positions dropped, gaps reported, the
/// position sent again after a reconnect, binary frames as raw bytes, 4002 on a malformed frame, error codes for
/// timeouts and lost connections. <see cref="BrowserMessagingTests"/> runs it against the real messaging server.
/// </summary>
public class BrowserModuleProtocolTests : BrowserModuleFixture
{
    [Test, CancelAfter(30_000)]
    public async Task Publications_AtOrBelowThePositionHeld_AreDropped_AndAGapIsReported(CancellationToken cancellationToken)
    {
        await using var peer = await ScriptedPeer.StartAsync(cancellationToken);
        var page = await Host.OpenPageAsync(Browser, cancellationToken);
        await page.EvaluateAsync($"globalThis.client = rx.connect({Json(peer.Url)}); globalThis.c = collect(client, 'prices'); true", cancellationToken);
        var connection = await peer.AcceptAsync(cancellationToken);

        var sub = await connection.ReceiveAsync(cancellationToken);
        await connection.SendAsync(Publication(1, "a"), cancellationToken);   // live ones may come before subok
        await connection.SendAsync(Publication(2, "b"), cancellationToken);
        await connection.SendAsync(new ProtocolFrame(FrameKind.Subscribed) { Id = sub.Id, Topic = "prices", Position = At(2), Recovered = 0 }, cancellationToken);
        await connection.SendAsync(Publication(2, "b again"), cancellationToken);
        await connection.SendAsync(Publication(1, "a again"), cancellationToken);
        await connection.SendAsync(Publication(3, "c"), cancellationToken);
        await connection.SendAsync(new ProtocolFrame(FrameKind.Gap) { Topic = "prices", Position = At(3), Current = At(7), Reason = "trimmed" }, cancellationToken);
        await connection.SendAsync(Publication(7, "g, before cur"), cancellationToken);
        await connection.SendAsync(Publication(8, "h"), cancellationToken);
        await page.EvaluateAsync("c.count(4)", cancellationToken);
        var items = await page.EvaluateAsync<string[]>("c.items", cancellationToken);
        var positions = await page.EvaluateAsync<string[]>("c.positions", cancellationToken);
        var gaps = await page.EvaluateAsync<JsonElement>("c.gaps", cancellationToken);

        Assert.That(sub.Kind, Is.EqualTo(FrameKind.Subscribe));
        Assert.That(sub.Topic, Is.EqualTo("prices"));
        Assert.That(sub.Position, Is.Null, "a first subscription is live only");
        Assert.That(items, Is.EqualTo(new[] { "a", "b", "c", "h" }));
        Assert.That(positions, Is.EqualTo(new[] { "1@e1", "2@e1", "3@e1", "8@e1" }));
        Assert.That(gaps.GetArrayLength(), Is.EqualTo(1));
        Assert.That(gaps[0].GetRawText(), Is.EqualTo("""{"topic":"prices","pos":"3@e1","cur":"7@e1","reason":"trimmed"}"""));
    }

    [Test, CancelAfter(30_000)]
    public async Task ConnectionLost_PendingPublishFailsWithConnectionLost_ThenTheTopicIsSubscribedAgainFromItsPosition(CancellationToken cancellationToken)
    {
        await using var peer = await ScriptedPeer.StartAsync(cancellationToken);
        var page = await Host.OpenPageAsync(Browser, cancellationToken);
        await page.EvaluateAsync(
            $"globalThis.client = rx.connect({Json(peer.Url)}, {{ initialDelay: 50 }}); globalThis.c = collect(client, 'prices'); true", cancellationToken);
        var first = await peer.AcceptAsync(cancellationToken);
        var sub = await first.ReceiveAsync(cancellationToken);
        await first.SendAsync(new ProtocolFrame(FrameKind.Subscribed) { Id = sub.Id, Topic = "prices", Position = At(4), Recovered = 0 }, cancellationToken);
        await first.SendAsync(Publication(5, "e"), cancellationToken);
        await page.EvaluateAsync("c.count(1)", cancellationToken);
        await page.EvaluateAsync("globalThis.pending = failure(client.publish('prices', 'unacknowledged')); true", cancellationToken);
        var pub = await first.ReceiveAsync(cancellationToken);

        await page.EvaluateAsync("globalThis.reconnecting = nextEvent(client, 'reconnecting'); true", cancellationToken);
        first.Connection.Abort();
        var lost = await page.EvaluateAsync<JsonElement>("pending", cancellationToken);
        var reconnecting = await page.EvaluateAsync<JsonElement>("reconnecting", cancellationToken);
        // Issued while disconnected: waits for the next connection.
        await page.EvaluateAsync("globalThis.queued = client.request('after the loss', 'later'); true", cancellationToken);
        var second = await peer.AcceptAsync(cancellationToken);
        var resub = await second.ReceiveAsync(cancellationToken);
        var request = await second.ReceiveAsync(cancellationToken);
        await second.SendAsync(new ProtocolFrame(FrameKind.Reply) { Id = request.Id, Payload = Message.Text("answered") }, cancellationToken);
        var reply = await page.EvaluateAsync<string>("queued", cancellationToken);

        Assert.That(pub.Kind, Is.EqualTo(FrameKind.Publish));
        Assert.That(pub.Payload?.GetText(), Is.EqualTo("unacknowledged"));
        Assert.That(lost.GetProperty("code").GetString(), Is.EqualTo("connection_lost"));
        Assert.That(reconnecting.GetProperty("attempt").GetInt32(), Is.EqualTo(1));
        Assert.That(reconnecting.GetProperty("delay").GetInt32(), Is.InRange(25, 50), "half to all of initialDelay");
        Assert.That(resub.Kind, Is.EqualTo(FrameKind.Subscribe));
        Assert.That(resub.Position, Is.EqualTo(At(5)), "from the last publication processed");
        Assert.That(request.Kind, Is.EqualTo(FrameKind.Request));
        Assert.That(request.Name, Is.EqualTo("later"));
        Assert.That(request.Payload?.GetText(), Is.EqualTo("after the loss"));
        Assert.That(reply, Is.EqualTo("answered"));
    }

    [Test, CancelAfter(30_000)]
    public async Task BinaryPayloads_TravelAsHeaderLineFeedAndRawBytes_BothWays(CancellationToken cancellationToken)
    {
        await using var peer = await ScriptedPeer.StartAsync(cancellationToken);
        var page = await Host.OpenPageAsync(Browser, cancellationToken);
        await page.EvaluateAsync($"globalThis.client = rx.connect({Json(peer.Url)}); globalThis.c = collect(client, 'bytes'); true", cancellationToken);
        var connection = await peer.AcceptAsync(cancellationToken);
        var sub = await connection.ReceiveAsync(cancellationToken);
        await connection.SendAsync(new ProtocolFrame(FrameKind.Subscribed) { Id = sub.Id, Topic = "bytes", Position = At(0), Recovered = 0 }, cancellationToken);

        await page.EvaluateAsync("globalThis.ack = client.publish('bytes', new Uint8Array([0, 10, 13, 255, 128])); true", cancellationToken);
        var raw = await connection.ReceiveRawAsync(cancellationToken);
        var pub = Decode(raw);
        await connection.SendAsync(new ProtocolFrame(FrameKind.PublishAck) { Id = pub.Id, Topic = "bytes", Position = At(1) }, cancellationToken);
        var position = await page.EvaluateAsync<string>("ack", cancellationToken);
        await connection.SendAsync(new ProtocolFrame(FrameKind.Publication) { Topic = "bytes", Position = At(1), Payload = Message.Binary(new byte[] { 1, 10, 0, 200 }) }, cancellationToken);
        await page.EvaluateAsync("c.count(1)", cancellationToken);
        var received = await page.EvaluateAsync<int[]>("c.items[0]", cancellationToken);

        Assert.That(raw.Type, Is.EqualTo(MessageType.Binary));
        var header = Encoding.UTF8.GetString(raw.Data.Span[..raw.Data.Span.IndexOf((byte)'\n')]);
        Assert.That(header, Is.EqualTo($$"""{"t":"pub","topic":"bytes","id":{{pub.Id}}}"""));
        Assert.That(raw.Data.ToArray()[(header.Length + 1)..], Is.EqualTo(new byte[] { 0, 10, 13, 255, 128 }), "the bytes themselves, no base64");
        Assert.That(position, Is.EqualTo("1@e1"));
        Assert.That(received, Is.EqualTo(new[] { 1, 10, 0, 200 }), "a Uint8Array (collect turns it into an array; text stays a string)");
    }

    [Test, CancelAfter(30_000)]
    public async Task MalformedFrame_ClosesWith4002(CancellationToken cancellationToken)
    {
        await using var peer = await ScriptedPeer.StartAsync(cancellationToken);
        var page = await Host.OpenPageAsync(Browser, cancellationToken);
        await page.EvaluateAsync(
            $"globalThis.client = rx.connect({Json(peer.Url)}, {{ reconnect: false }}); globalThis.errors = []; client.on('error', e => errors.push(e.message)); true",
            cancellationToken);
        var connection = await peer.AcceptAsync(cancellationToken);

        await connection.Connection.SendAsync("{\"t\":\"p\",\"topic\":\"x\",\"pos\":\"1@e\"} but no line feed", cancellationToken);
        await connection.Connection.Completion.WaitAsync(cancellationToken);
        var errors = await page.EvaluateAsync<string[]>("errors", cancellationToken);
        var state = await page.EvaluateAsync<string>("client.state", cancellationToken);

        Assert.That(connection.Connection.CloseStatus?.Code, Is.EqualTo((CloseCode)4002));
        Assert.That(connection.Connection.CloseStatus?.Reason, Is.EqualTo("no line feed after the header"));
        Assert.That(errors, Is.EqualTo(new[] { "rxsockets: protocol violation by the server: no line feed after the header" }));
        Assert.That(state, Is.EqualTo("closed"), "reconnect: false");
    }

    [Test, CancelAfter(30_000)]
    public async Task UnansweredRequest_RejectsWithCodeTimeout_AndAServerErrorKeepsItsCode(CancellationToken cancellationToken)
    {
        await using var peer = await ScriptedPeer.StartAsync(cancellationToken);
        var page = await Host.OpenPageAsync(Browser, cancellationToken);
        await page.EvaluateAsync($"globalThis.client = rx.connect({Json(peer.Url)}, {{ requestTimeout: 200 }}); true", cancellationToken);
        var connection = await peer.AcceptAsync(cancellationToken);

        await page.EvaluateAsync("globalThis.refused = failure(client.request('x', 'secret')); true", cancellationToken);
        var request = await connection.ReceiveAsync(cancellationToken);
        await connection.SendAsync(new ProtocolFrame(FrameKind.Error) { Id = request.Id, Code = "forbidden", Reason = "not yours" }, cancellationToken);
        var refused = await page.EvaluateAsync<JsonElement>("refused", cancellationToken);
        await page.EvaluateAsync("globalThis.odd = failure(client.request('y')); true", cancellationToken);
        var odd = await connection.ReceiveAsync(cancellationToken);
        await connection.SendAsync(new ProtocolFrame(FrameKind.Error) { Id = odd.Id, Code = "teapot" }, cancellationToken);
        var unknown = await page.EvaluateAsync<JsonElement>("odd", cancellationToken);
        var timedOut = await page.EvaluateAsync<JsonElement>("failure(client.request('never answered'))", cancellationToken);

        Assert.That(request.Name, Is.EqualTo("secret"));
        Assert.That(odd.Name, Is.Null, "no name: the server's unnamed handler");
        Assert.That(refused.GetRawText(), Is.EqualTo("""{"code":"forbidden","reason":"not yours"}"""));
        Assert.That(unknown.GetProperty("code").GetString(), Is.EqualTo("internal"), "unknown codes are treated as internal");
        Assert.That(timedOut.GetProperty("code").GetString(), Is.EqualTo("timeout"));
    }

    [Test, CancelAfter(30_000)]
    public async Task ServerRequests_AnsweredByOnRequest_WithReplyOrErrorCode(CancellationToken cancellationToken)
    {
        await using var peer = await ScriptedPeer.StartAsync(cancellationToken);
        var page = await Host.OpenPageAsync(Browser, cancellationToken);
        await page.EvaluateAsync($$"""
            globalThis.client = rx.connect({{Json(peer.Url)}});
            client.onRequest('add', async text => String(text.split(',').map(Number).reduce((a, b) => a + b)));
            client.onRequest('deny', () => { throw new rx.RxSocketsError('forbidden', 'ask nicely'); });
            client.onRequest('broken', () => { throw new Error('secret detail'); });
            client.onRequest('', bytes => bytes.reverse());
            true
            """, cancellationToken);
        var connection = await peer.AcceptAsync(cancellationToken);

        var answers = new List<ProtocolFrame>();
        (string? Name, Message Payload)[] requests =
            [("add", Message.Text("2,3,4")), ("deny", Message.Text("")), ("broken", Message.Text("")), ("nobody", Message.Text("")), (null, Message.Binary(new byte[] { 1, 2, 3 }))];
        for (var i = 0; i < requests.Length; i++)
        {
            await connection.SendAsync(new ProtocolFrame(FrameKind.Request) { Id = 100 + i, Name = requests[i].Name, Payload = requests[i].Payload }, cancellationToken);
            answers.Add(await connection.ReceiveAsync(cancellationToken));
        }

        Assert.That(answers.Select(a => a.Id), Is.EqualTo(new long[] { 100, 101, 102, 103, 104 }));
        Assert.That(answers[0].Kind, Is.EqualTo(FrameKind.Reply));
        Assert.That(answers[0].Payload?.GetText(), Is.EqualTo("9"));
        Assert.That((answers[1].Kind, answers[1].Code, answers[1].Reason), Is.EqualTo((FrameKind.Error, "forbidden", "ask nicely")));
        Assert.That((answers[2].Kind, answers[2].Code, answers[2].Reason), Is.EqualTo((FrameKind.Error, "internal", (string?)null)), "no details leak");
        Assert.That((answers[3].Kind, answers[3].Code), Is.EqualTo((FrameKind.Error, "not_found")));
        Assert.That(answers[4].Payload?.Type, Is.EqualTo(MessageType.Binary));
        Assert.That(answers[4].Payload?.Data.ToArray(), Is.EqualTo(new byte[] { 3, 2, 1 }));
    }

    [Test, CancelAfter(30_000)]
    public async Task FailedAttempts_BackOffExponentiallyWithJitter_UpToMaxDelay(CancellationToken cancellationToken)
    {
        // A server that does not select rxsockets.v1: Chromium fails every handshake (it offered a subprotocol and got
        // none), so each attempt fails and the next one waits longer.
        await using var peer = await ScriptedPeer.StartAsync(cancellationToken, selectProtocol: false);
        var page = await Host.OpenPageAsync(Browser, cancellationToken);

        var attempts = await page.EvaluateAsync<JsonElement[]>($$"""
            new Promise(resolve => {
              const client = rx.connect({{Json(peer.Url)}}, { initialDelay: 40, maxDelay: 160 });
              const seen = [];
              client.on('reconnecting', e => { seen.push(e); if (seen.length === 6) { client.close(); resolve(seen); } });
            })
            """, cancellationToken);

        Assert.That(attempts.Select(a => a.GetProperty("attempt").GetInt32()), Is.EqualTo(new[] { 1, 2, 3, 4, 5, 6 }));
        int[] ceilings = [40, 80, 160, 160, 160, 160];
        for (var i = 0; i < ceilings.Length; i++)
        {
            Assert.That(attempts[i].GetProperty("delay").GetInt32(), Is.InRange(ceilings[i] / 2, ceilings[i]), $"attempt {i + 1}");
        }
    }

    private static TopicPosition At(long offset) => new(offset, "e1");

    private static ProtocolFrame Publication(long offset, string text) =>
        new(FrameKind.Publication) { Topic = "prices", Position = At(offset), Payload = Message.Text(text) };


    private static ProtocolFrame Decode(Message message) =>
        ProtocolCodec.TryDecode(message, out var frame, out var error) ? frame : throw new AssertionException($"not a frame: {error}");

    /// <summary>A plain server selecting <c>rxsockets.v1</c>, accepting connections one at a time.</summary>
    private sealed class ScriptedPeer : IAsyncDisposable
    {
        private readonly WebSocketServer _server;
        private readonly IAsyncEnumerator<WebSocketConnection> _accepted;
        private readonly List<PeerConnection> _connections = [];

        private ScriptedPeer(WebSocketServer server, CancellationToken cancellationToken)
        {
            _server = server;
            _accepted = server.AcceptAllAsync(cancellationToken).GetAsyncEnumerator(cancellationToken);
        }

        public Uri Url => _server.Url;

        public static async Task<ScriptedPeer> StartAsync(CancellationToken cancellationToken, bool selectProtocol = true)
        {
            var options = new WebSocketServerOptions { Host = "127.0.0.1", Port = 0, KeepAliveInterval = Timeout.InfiniteTimeSpan };
            if (selectProtocol)
            {
                options.SubProtocols.Add(ProtocolCodec.SubProtocol);
            }

            return new ScriptedPeer(await WebSocketServer.StartAsync(options, cancellationToken), cancellationToken);
        }

        public async Task<PeerConnection> AcceptAsync(CancellationToken cancellationToken)
        {
            if (!await _accepted.MoveNextAsync())
            {
                throw new AssertionException("The server stopped accepting.");
            }

            var connection = new PeerConnection(_accepted.Current, cancellationToken);
            _connections.Add(connection);
            return connection;
        }

        public async ValueTask DisposeAsync()
        {
            foreach (var connection in _connections)
            {
                await connection.DisposeAsync();
            }

            await _accepted.DisposeAsync();
            await _server.DisposeAsync();
        }
    }

    /// <summary>One connection of the scripted peer: frames in and out.</summary>
    private sealed class PeerConnection(WebSocketConnection connection, CancellationToken cancellationToken) : IAsyncDisposable
    {
        private readonly IAsyncEnumerator<Message> _messages = connection.ReadAllAsync(cancellationToken).GetAsyncEnumerator(cancellationToken);

        public WebSocketConnection Connection => connection;

        public async Task<Message> ReceiveRawAsync(CancellationToken cancellation)
        {
            cancellation.ThrowIfCancellationRequested();
            return await _messages.MoveNextAsync() ? _messages.Current : throw new AssertionException("The page closed the connection.");
        }

        public async Task<ProtocolFrame> ReceiveAsync(CancellationToken cancellation) => Decode(await ReceiveRawAsync(cancellation));

        public ValueTask SendAsync(ProtocolFrame frame, CancellationToken cancellation) => connection.SendAsync(ProtocolCodec.Encode(frame), cancellation);

        public async ValueTask DisposeAsync()
        {
            await _messages.DisposeAsync();
            await connection.DisposeAsync();
        }
    }
}
