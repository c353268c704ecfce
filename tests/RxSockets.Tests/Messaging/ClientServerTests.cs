using System.Reactive.Linq;
using System.Reactive.Threading.Tasks;
using System.Threading.Channels;
using RxSockets.Tests.Client;
using RxSockets.Tests.Support;
using static RxSockets.Tests.Messaging.ClientTestSupport;

namespace RxSockets.Tests.Messaging;

/// <summary>The messaging client against the real messaging server over loopback: subscriptions, acknowledged
/// publishing, requests both ways, refusals, and recovery through connections the server aborts.</summary>
public class ClientServerTests
{
    private static Task<WebSocketServer> StartAsync(CancellationToken cancellationToken, Action<WebSocketServerOptions>? configure = null, int history = 1000)
    {
        var options = new WebSocketServerOptions
        {
            Messaging = new MessagingServerOptions(),
            ConfigureTopic = _ => new TopicOptions { HistorySize = history },
            KeepAliveInterval = Timeout.InfiniteTimeSpan,
        };
        configure?.Invoke(options);
        return WebSocketServer.StartAsync(options, cancellationToken).AsTask();
    }

    [Test, CancelAfter(20_000)]
    public async Task Subscribe_ThenPublishFromServerCodeAndFromAnotherClient_EveryPublicationArrivesInOrder_PublishesAreAcknowledged(
        CancellationToken cancellationToken)
    {
        await using var server = await StartAsync(cancellationToken);
        await using var subscriber = new WebSocketClient(server.Url, Options());
        await using var publisher = new WebSocketClient(server.Url, Options());
        await subscriber.StartAsync(cancellationToken);
        await publisher.StartAsync(cancellationToken);
        var received = new RecordingObserver<Message>();
        var topic = subscriber.Topic("prices");
        using var subscription = topic.Subscribe(received);
        await Until.TrueAsync(() => topic.Position is not null, cancellationToken);   // subok: subscribed

        await server.Topic("prices").PublishAsync("from the server", cancellationToken: cancellationToken);
        var first = await publisher.PublishAsync("prices", Message.Text("from a client"), cancellationToken);
        var second = await publisher.Topic("prices").PublishAsync(Message.Binary(new byte[] { 1, 2, 3 }), cancellationToken);
        await received.WaitForCountAsync(3, cancellationToken);

        Assert.That(received.Values, Is.EqualTo(new[] { Message.Text("from the server"), Message.Text("from a client"), Message.Binary(new byte[] { 1, 2, 3 }) }));
        Assert.That(second.Offset, Is.EqualTo(first.Offset + 1));
        Assert.That(second.Epoch, Is.EqualTo(first.Epoch));
        Assert.That(topic.Position, Is.EqualTo(second));
    }

    [Test, CancelAfter(20_000)]
    public async Task Requests_BothWays_RepliesAndTypedErrors(CancellationToken cancellationToken)
    {
        await using var server = await StartAsync(cancellationToken, o =>
        {
            o.Messaging!.RequestHandlers["echo"] = (request, _) => ValueTask.FromResult(Message.Text($"echo {request.Message.GetText()}"));
            o.Messaging.RequestHandlers["refuse"] = (_, _) => throw new RequestFailedException(MessagingErrorCodes.Forbidden, "no");
        });
        var connected = server.MessagingClients.FirstAsync().ToTask(cancellationToken);
        await using var client = new WebSocketClient(server.Url, Options());
        using var mapped = client.MapRequest("time", (request, _) => ValueTask.FromResult(Message.Text($"client got {request.GetText()}")));
        await client.StartAsync(cancellationToken);
        var connection = await connected;

        var reply = await client.RequestAsync(Message.Text("hi"), "echo", cancellationToken);
        var refused = await Assert.ThrowsAsync<RequestFailedException>(() => client.RequestAsync(Message.Text("x"), "refuse", cancellationToken).AsTask());
        var unknown = await Assert.ThrowsAsync<RequestFailedException>(() => client.RequestAsync(Message.Text("x"), "nobody", cancellationToken).AsTask());
        var answered = await server.RequestAsync(connection, Message.Text("now?"), "time", cancellationToken);
        var unmapped = await Assert.ThrowsAsync<RequestFailedException>(() => server.RequestAsync(connection, Message.Text("?"), "other", cancellationToken).AsTask());

        Assert.That(reply.GetText(), Is.EqualTo("echo hi"));
        Assert.That((refused?.Code, refused?.Reason), Is.EqualTo((MessagingErrorCodes.Forbidden, "no")));
        Assert.That(unknown?.Code, Is.EqualTo(MessagingErrorCodes.NotFound));
        Assert.That(answered.GetText(), Is.EqualTo("client got now?"));
        Assert.That(unmapped?.Code, Is.EqualTo(MessagingErrorCodes.NotFound));
    }

    [Test, CancelAfter(20_000)]
    public async Task SubscriptionRefusedByTheServer_EndsTheObserverWithItsReason(CancellationToken cancellationToken)
    {
        await using var server = await StartAsync(cancellationToken, o =>
            o.Messaging!.AuthorizeSubscribe = (_, topic, _) => ValueTask.FromResult(topic.StartsWith("admin", StringComparison.Ordinal) ? "admins only" : null));
        await using var client = new WebSocketClient(server.Url, Options());
        await client.StartAsync(cancellationToken);
        var observer = new RecordingObserver<Message>();

        using var subscription = client.Topic("admin/log").Subscribe(observer);
        var error = await observer.Terminated.WaitAsync(cancellationToken);

        Assert.That(error, Is.InstanceOf<RequestFailedException>());
        Assert.That((((RequestFailedException)error!).Code, ((RequestFailedException)error).Reason), Is.EqualTo((MessagingErrorCodes.Forbidden, "admins only")));
    }

    [Test, CancelAfter(60_000)]
    public async Task ServerAbortsTheConnectionRepeatedly_WithHistory_EveryPublicationArrivesExactlyOnceInOrder(CancellationToken cancellationToken)
    {
        const int Count = 2000;
        int[] abortAt = [100, 450, 451, 900, 1500];
        await using var server = await StartAsync(cancellationToken, history: Count);
        var connections = Channel.CreateUnbounded<WebSocketConnection>();
        using var watching = server.MessagingClients.Subscribe(c => connections.Writer.TryWrite(c));
        await using var client = new WebSocketClient(server.Url, Options(), FastReconnect);
        var log = EventLog.Of(client);
        await client.StartAsync(cancellationToken);
        var topic = client.Topic("ticks");
        await using var reading = topic.ReadAllAsync(cancellationToken).GetAsyncEnumerator(cancellationToken);
        var moving = reading.MoveNextAsync();
        await Until.TrueAsync(() => topic.Position is not null, cancellationToken);

        var publishing = Task.Run(async () =>
        {
            for (var i = 1; i <= Count; i++)
            {
                await server.Topic("ticks").PublishAsync($"{i}", cancellationToken: cancellationToken);
            }
        }, cancellationToken);

        // Aborts run beside the reading: a reconnect waits until the frames read from the lost connection are delivered,
        // so the reader must go on reading. Each abort takes the next connection (450 and 451: one just reconnected).
        var aborts = Channel.CreateUnbounded<int>();
        var aborting = Task.Run(async () =>
        {
            await foreach (var _ in aborts.Reader.ReadAllAsync(cancellationToken))
            {
                (await connections.Reader.ReadAsync(cancellationToken)).Abort();
            }
        }, cancellationToken);
        var texts = new List<string>();
        while (texts.Count < Count && await moving)
        {
            texts.Add(reading.Current.GetText());
            if (abortAt.Contains(texts.Count))
            {
                aborts.Writer.TryWrite(texts.Count);
            }

            if (texts.Count < Count)
            {
                moving = reading.MoveNextAsync();
            }
        }

        aborts.Writer.TryComplete();
        await aborting;
        await log.WaitForAsync<ClientReconnected>(abortAt.Length, cancellationToken);
        await publishing;

        Assert.That(texts, Is.EqualTo(Enumerable.Range(1, Count).Select(i => $"{i}")), "each publication exactly once, in order");
        Assert.That(log.OfType<ClientTopicGap>(), Is.Empty);
        Assert.That(log.OfType<ClientReconnected>(), Has.Count.EqualTo(abortAt.Length));
        Assert.That(topic.Position?.Offset, Is.EqualTo(Count));
    }

    [Test, CancelAfter(20_000)]
    public async Task ReconnectBeyondTheHistory_IsReportedAsAGap_ThenLive(CancellationToken cancellationToken)
    {
        await using var server = await StartAsync(cancellationToken, history: 2);
        var connections = Channel.CreateUnbounded<WebSocketConnection>();
        using var watching = server.MessagingClients.Subscribe(c => connections.Writer.TryWrite(c));
        await using var client = new WebSocketClient(server.Url, Options(), FastReconnect);
        var log = EventLog.Of(client);
        await client.StartAsync(cancellationToken);
        var received = new RecordingObserver<Message>();
        var topic = client.Topic("ticks");
        using var subscription = topic.Subscribe(received);
        await Until.TrueAsync(() => topic.Position is not null, cancellationToken);
        await server.Topic("ticks").PublishAsync("1", cancellationToken: cancellationToken);
        await received.WaitForCountAsync(1, cancellationToken);

        // Stop the client from coming back until five more were published: the history (2) cannot cover them.
        await client.StopAsync(cancellationToken);
        for (var i = 2; i <= 6; i++)
        {
            await server.Topic("ticks").PublishAsync($"{i}", cancellationToken: cancellationToken);
        }

        await client.ReconnectAsync(cancellationToken);
        var gap = await log.WaitForAsync<ClientTopicGap>(1, cancellationToken);
        await server.Topic("ticks").PublishAsync("7", cancellationToken: cancellationToken);
        await Until.TrueAsync(() => received.Values.Any(m => m.GetText() == "7"), cancellationToken);

        Assert.That((gap.Topic, gap.Reason, gap.LastPosition.Offset), Is.EqualTo(("ticks", TopicGapReason.HistoryTrimmed, 1L)));
        Assert.That(received.Values.Select(m => m.GetText()).Distinct().Count(), Is.EqualTo(received.Values.Count), "no duplicate");
        Assert.That(received.Values[0].GetText(), Is.EqualTo("1"));
        Assert.That(received.Values[^1].GetText(), Is.EqualTo("7"));
    }
}
