using System.Reactive.Linq;
using System.Reactive.Threading.Tasks;
using System.Text;
using Microsoft.Reactive.Testing;
using RxSockets.Messaging;
using RxSockets.Scaling;
using RxSockets.Tests.Support;

namespace RxSockets.Tests.Messaging;

/// <summary>The server's side of the messaging protocol (<see cref="WebSocketServerOptions.Messaging"/>) over real
/// loopback sockets, driven by a bare protocol client that sees every frame the server sends.</summary>
public class MessagingServerTests
{
    private static async Task<WebSocketServer> StartAsync(Action<WebSocketServerOptions>? configure, CancellationToken cancellationToken, int history = 100)
    {
        var options = new WebSocketServerOptions
        {
            Messaging = new MessagingServerOptions(),
            ConfigureTopic = _ => new TopicOptions { HistorySize = history },
        };
        configure?.Invoke(options);
        return await WebSocketServer.StartAsync(options, cancellationToken);
    }

    [Test, CancelAfter(10_000)]
    public async Task Subscribe_ServerPublishes_SubokThenPFramesInOrder_AndRawMembersGetTheirOwn(CancellationToken cancellationToken)
    {
        await using var server = await StartAsync(null, cancellationToken);
        var raw = await WebSocketConnection.ConnectAsync(server.Url, cancellationToken: cancellationToken);
        var rawServerSide = await server.Connections.FirstAsync().ToTask(cancellationToken);
        await using var client = await ProtocolTestClient.ConnectAsync(server.Url, cancellationToken);
        var prices = server.Topic("prices");
        prices.Join(rawServerSide);

        var (before, subscribed) = await client.SubscribeAsync(1, "prices", null, cancellationToken);
        for (var i = 1; i <= 3; i++)
        {
            await prices.PublishAsync($"p{i}", cancellationToken: cancellationToken);
        }

        Assert.That((before.Count, subscribed.Kind, subscribed.Id, subscribed.Topic, subscribed.Recovered), Is.EqualTo((0, FrameKind.Subscribed, 1L, "prices", 0L)));
        for (var i = 1; i <= 3; i++)
        {
            var frame = await client.NextAsync(FrameKind.Publication, cancellationToken);
            Assert.That((frame.Topic, frame.Position!.Value.Offset, frame.Payload!.Value.GetText()), Is.EqualTo(("prices", (long)i, $"p{i}")));
        }

        var rawReader = raw.ReadAllAsync(cancellationToken).GetAsyncEnumerator(cancellationToken);
        Assert.That(await rawReader.MoveNextAsync() && rawReader.Current.GetText() == "p1", Is.True, "a raw member gets the published message itself");
        Assert.That(server.ClientCount, Is.EqualTo(2), "a messaging connection is one of the server's clients");
        await raw.DisposeAsync();
    }

    [Test, CancelAfter(10_000)]
    public async Task MessagingClient_IsOnMessagingClientsNotConnections_AndRawBroadcastsSkipIt(CancellationToken cancellationToken)
    {
        await using var server = await StartAsync(null, cancellationToken);
        var seen = server.MessagingClients.FirstAsync().ToTask(cancellationToken);
        var plain = new List<WebSocketConnection>();
        using var _ = server.Connections.Subscribe(plain.Add);
        await using var client = await ProtocolTestClient.ConnectAsync(server.Url, cancellationToken);
        var connection = await seen;

        var delivered = await server.BroadcastAsync(Message.Text("not a frame"), cancellationToken: cancellationToken);
        await client.SendAsync(new ProtocolFrame(FrameKind.Unsubscribe) { Id = 1, Topic = "nothing" });

        Assert.That((connection.SubProtocol, plain.Count, delivered), Is.EqualTo((ProtocolCodec.SubProtocol, 0, 0)));
        Assert.That((await client.NextAsync(cancellationToken)).Kind, Is.EqualTo(FrameKind.Unsubscribed), "the broadcast never reached it");
    }

    [Test, CancelAfter(10_000)]
    public async Task PlainClientOfAMessagingServer_IsAnOrdinaryConnection(CancellationToken cancellationToken)
    {
        await using var server = await StartAsync(o => o.SubProtocols.Add("chat"), cancellationToken);
        var accepted = server.Connections.FirstAsync().ToTask(cancellationToken);
        var options = new WebSocketClientOptions();
        options.SubProtocols.Add("chat");
        await using var plain = await WebSocketConnection.ConnectAsync(server.Url, options, cancellationToken);
        var serverSide = await accepted;
        await server.BroadcastAsync(Message.Text("hello"), cancellationToken: cancellationToken);

        var reader = plain.ReadAllAsync(cancellationToken).GetAsyncEnumerator(cancellationToken);
        Assert.That((plain.SubProtocol, serverSide.SubProtocol), Is.EqualTo(("chat", "chat")));
        Assert.That(await reader.MoveNextAsync() && reader.Current.GetText() == "hello", Is.True);
    }

    [Test, CancelAfter(10_000)]
    public async Task Publish_IsAcknowledgedWithItsPosition_AndReachesEverySubscriberIncludingThePublisher(CancellationToken cancellationToken)
    {
        await using var server = await StartAsync(null, cancellationToken);
        await using var publisher = await ProtocolTestClient.ConnectAsync(server.Url, cancellationToken);
        await using var reader = await ProtocolTestClient.ConnectAsync(server.Url, cancellationToken);
        await publisher.SubscribeAsync(1, "chat", null, cancellationToken);
        await reader.SubscribeAsync(1, "chat", null, cancellationToken);

        var bytes = new byte[] { 0, 10, 255, 10 };
        await publisher.SendAsync(new ProtocolFrame(FrameKind.Publish) { Id = 2, Topic = "chat", Payload = Message.Binary(bytes) });
        await publisher.SendAsync(new ProtocolFrame(FrameKind.Publish) { Id = 3, Topic = "chat", Payload = Message.Text("second") });

        var frames = new List<ProtocolFrame>();
        for (var i = 0; i < 4; i++)
        {
            frames.Add(await publisher.NextAsync(cancellationToken));
        }

        var acks = frames.Where(f => f.Kind == FrameKind.PublishAck).Select(f => (f.Id, f.Position!.Value.Offset)).ToList();
        var own = frames.Where(f => f.Kind == FrameKind.Publication).Select(f => f.Position!.Value.Offset).ToList();
        Assert.That((acks, own), Is.EqualTo((new List<(long, long)> { (2, 1), (3, 2) }, new List<long> { 1, 2 })));
        var first = await reader.NextAsync(FrameKind.Publication, cancellationToken);
        var second = await reader.NextAsync(FrameKind.Publication, cancellationToken);
        Assert.That((first.Payload!.Value.Type, first.Payload.Value.Data.ToArray()), Is.EqualTo((MessageType.Binary, bytes)), "binary stays binary, byte for byte");
        Assert.That(second.Payload!.Value.GetText(), Is.EqualTo("second"));
    }

    [Test, CancelAfter(10_000)]
    public async Task Resubscribe_FromTheLastPosition_RecoversWhatWasMissed_ThenGoesLive(CancellationToken cancellationToken)
    {
        await using var server = await StartAsync(null, cancellationToken);
        var feed = server.Topic("feed");
        TopicPosition last;
        await using (var first = await ProtocolTestClient.ConnectAsync(server.Url, cancellationToken))
        {
            await first.SubscribeAsync(1, "feed", null, cancellationToken);
            await feed.PublishAsync("m1", cancellationToken: cancellationToken);
            await feed.PublishAsync("m2", cancellationToken: cancellationToken);
            await first.NextAsync(FrameKind.Publication, cancellationToken);
            last = (await first.NextAsync(FrameKind.Publication, cancellationToken)).Position!.Value;
        }

        await feed.PublishAsync("m3", cancellationToken: cancellationToken);
        await feed.PublishAsync("m4", cancellationToken: cancellationToken);
        await using var again = await ProtocolTestClient.ConnectAsync(server.Url, cancellationToken);
        var (recovered, subscribed) = await again.SubscribeAsync(1, "feed", last, cancellationToken);
        await feed.PublishAsync("m5", cancellationToken: cancellationToken);
        var live = await again.NextAsync(FrameKind.Publication, cancellationToken);

        Assert.That(recovered.Select(f => f.Payload!.Value.GetText()), Is.EqualTo(new[] { "m3", "m4" }));
        Assert.That((subscribed.Recovered, subscribed.Position!.Value.Offset), Is.EqualTo((2L, 4L)));
        Assert.That(live.Payload!.Value.GetText(), Is.EqualTo("m5"));
    }

    [Test, CancelAfter(10_000)]
    public async Task Resubscribe_BeyondTheHistory_GetsAGapFrame_ThenGoesLive(CancellationToken cancellationToken)
    {
        await using var server = await StartAsync(null, cancellationToken, history: 2);
        var feed = server.Topic("feed");
        for (var i = 1; i <= 5; i++)
        {
            await feed.PublishAsync($"m{i}", cancellationToken: cancellationToken);
        }

        await using var client = await ProtocolTestClient.ConnectAsync(server.Url, cancellationToken);
        var (before, subscribed) = await client.SubscribeAsync(1, "feed", new TopicPosition(1, feed.Position.Epoch), cancellationToken);

        await feed.PublishAsync("m6", cancellationToken: cancellationToken);
        var live = await client.NextAsync(FrameKind.Publication, cancellationToken);

        var gap = before.Single();
        Assert.That((gap.Kind, gap.Position!.Value.Offset, gap.Current!.Value.Offset, gap.Reason), Is.EqualTo((FrameKind.Gap, 1L, 5L, "trimmed")));
        Assert.That((subscribed.Position!.Value.Offset, live.Payload!.Value.GetText()), Is.EqualTo((5L, "m6")), "live from where the gap ends");
    }

    [Test, CancelAfter(10_000)]
    public async Task Resubscribe_WithAnotherEpoch_GetsAnEpochGap(CancellationToken cancellationToken)
    {
        await using var server = await StartAsync(null, cancellationToken);
        await server.Topic("feed").PublishAsync("m1", cancellationToken: cancellationToken);
        await using var client = await ProtocolTestClient.ConnectAsync(server.Url, cancellationToken);

        var (before, subscribed) = await client.SubscribeAsync(1, "feed", new TopicPosition(7, "an-older-epoch"), cancellationToken);

        Assert.That((before.Single().Kind, before.Single().Reason, subscribed.Kind), Is.EqualTo((FrameKind.Gap, "epoch", FrameKind.Subscribed)));
    }

    [Test, CancelAfter(10_000)]
    public async Task AuthorizationHooks_RefuseWithTheirReason_AndNothingIsPublished(CancellationToken cancellationToken)
    {
        await using var server = await StartAsync(o =>
        {
            o.Messaging!.AuthorizeSubscribe = (_, topic, _) => ValueTask.FromResult(topic.StartsWith("admin.", StringComparison.Ordinal) ? "admins only" : null);
            o.Messaging.AuthorizePublish = (_, topic, _) => ValueTask.FromResult(topic == "readonly" ? "read-only topic" : null);
        }, cancellationToken);
        await using var client = await ProtocolTestClient.ConnectAsync(server.Url, cancellationToken);

        var (_, refused) = await client.SubscribeAsync(1, "admin.audit", null, cancellationToken);
        await client.SendAsync(new ProtocolFrame(FrameKind.Publish) { Id = 2, Topic = "readonly", Payload = Message.Text("x") });
        var publishRefused = await client.NextAsync(FrameKind.Error, cancellationToken);

        Assert.That((refused.Kind, refused.Id, refused.Code, refused.Reason), Is.EqualTo((FrameKind.Error, 1L, MessagingErrorCodes.Forbidden, "admins only")));
        Assert.That((publishRefused.Id, publishRefused.Code, publishRefused.Reason), Is.EqualTo((2L, MessagingErrorCodes.Forbidden, "read-only topic")));
        Assert.That((server.Topic("admin.audit").Count, server.Topic("readonly").Position.Offset), Is.EqualTo((0, 0L)));
    }

    [Test, CancelAfter(10_000)]
    public async Task MaxSubscriptions_OneMoreIsRefusedWithLimit_AfterAnUnsubscribeThereIsRoom(CancellationToken cancellationToken)
    {
        await using var server = await StartAsync(o => o.Messaging!.MaxSubscriptions = 2, cancellationToken);
        await using var client = await ProtocolTestClient.ConnectAsync(server.Url, cancellationToken);
        await client.SubscribeAsync(1, "a", null, cancellationToken);
        await client.SubscribeAsync(2, "b", null, cancellationToken);

        var (_, third) = await client.SubscribeAsync(3, "c", null, cancellationToken);
        await client.SendAsync(new ProtocolFrame(FrameKind.Unsubscribe) { Id = 4, Topic = "a" });
        var left = await client.NextAsync(FrameKind.Unsubscribed, cancellationToken);
        var (_, fourth) = await client.SubscribeAsync(5, "c", null, cancellationToken);

        Assert.That((third.Kind, third.Code), Is.EqualTo((FrameKind.Error, MessagingErrorCodes.Limit)));
        Assert.That((left.Id, fourth.Kind, server.Topic("a").Count, server.Topic("c").Count), Is.EqualTo((4L, FrameKind.Subscribed, 0, 1)));
    }

    [Test, CancelAfter(10_000)]
    public async Task RequestHandlers_ReplyByName_NotFound_TypedError_AndInternalWithoutDetails(CancellationToken cancellationToken)
    {
        await using var server = await StartAsync(o =>
        {
            o.Messaging!.RequestHandlers["upper"] = (request, _) => ValueTask.FromResult(Message.Text(request.Message.GetText().ToUpperInvariant()));
            o.Messaging.RequestHandlers[""] = (request, _) => ValueTask.FromResult(Message.Binary(request.Message.Data.ToArray().Reverse().ToArray()));
            o.Messaging.RequestHandlers["guarded"] = (_, _) => throw new RequestFailedException(MessagingErrorCodes.Forbidden, "not you");
            o.Messaging.RequestHandlers["broken"] = (_, _) => throw new InvalidOperationException("secret details");
        }, cancellationToken);
        await using var client = await ProtocolTestClient.ConnectAsync(server.Url, cancellationToken);

        await client.SendAsync(new ProtocolFrame(FrameKind.Request) { Id = 1, Name = "upper", Payload = Message.Text("abc") });
        await client.SendAsync(new ProtocolFrame(FrameKind.Request) { Id = 2, Payload = Message.Binary(new byte[] { 1, 2, 3 }) });
        await client.SendAsync(new ProtocolFrame(FrameKind.Request) { Id = 3, Name = "missing", Payload = Message.Text("") });
        await client.SendAsync(new ProtocolFrame(FrameKind.Request) { Id = 4, Name = "guarded", Payload = Message.Text("") });
        await client.SendAsync(new ProtocolFrame(FrameKind.Request) { Id = 5, Name = "broken", Payload = Message.Text("") });
        var answers = new Dictionary<long, ProtocolFrame>();
        for (var i = 0; i < 5; i++)
        {
            var frame = await client.NextAsync(cancellationToken);
            answers.Add(frame.Id, frame);
        }

        Assert.That((answers[1].Kind, answers[1].Payload!.Value.GetText()), Is.EqualTo((FrameKind.Reply, "ABC")));
        Assert.That((answers[2].Payload!.Value.Type, answers[2].Payload!.Value.Data.ToArray()), Is.EqualTo((MessageType.Binary, new byte[] { 3, 2, 1 })));
        Assert.That((answers[3].Code, answers[4].Code, answers[4].Reason), Is.EqualTo((MessagingErrorCodes.NotFound, MessagingErrorCodes.Forbidden, "not you")));
        Assert.That((answers[5].Code, answers[5].Reason), Is.EqualTo((MessagingErrorCodes.Internal, (string?)null)), "no details leak");
    }

    [Test, CancelAfter(10_000)]
    public async Task RequestHandler_TooSlow_AnsweredTimeoutOnVirtualTime_AndItsTokenIsCancelled(CancellationToken cancellationToken)
    {
        var clock = new TestScheduler();
        var cancelled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var server = await StartAsync(o =>
        {
            o.Scheduler = clock;
            o.Messaging!.RequestTimeout = TimeSpan.FromSeconds(2);
            o.Messaging.RequestHandlers["slow"] = async (_, token) =>
            {
                started.SetResult();
                await using (token.Register(cancelled.SetResult))
                {
                    await Task.Delay(Timeout.Infinite, token);
                }

                return Message.Text("never");
            };
        }, cancellationToken);
        await using var client = await ProtocolTestClient.ConnectAsync(server.Url, cancellationToken);

        await client.SendAsync(new ProtocolFrame(FrameKind.Request) { Id = 9, Name = "slow", Payload = Message.Text("") });
        var answer = client.NextAsync(cancellationToken);
        await started.Task.WaitAsync(cancellationToken);   // its timer is armed before the handler runs
        clock.AdvanceBy(TimeSpan.FromSeconds(1.9));
        var earlyAnswer = answer.IsCompleted || cancelled.Task.IsCompleted;
        clock.AdvanceBy(TimeSpan.FromSeconds(0.1));

        var frame = await answer;
        await cancelled.Task.WaitAsync(cancellationToken);
        Assert.That((earlyAnswer, frame.Id, frame.Code), Is.EqualTo((false, 9L, MessagingErrorCodes.Timeout)));
    }

    [Test, CancelAfter(10_000)]
    public async Task RequestAsync_ServerAsksTheClient_ReplyOrErrorComesBack(CancellationToken cancellationToken)
    {
        await using var server = await StartAsync(null, cancellationToken);
        var opened = server.MessagingClients.FirstAsync().ToTask(cancellationToken);
        await using var client = await ProtocolTestClient.ConnectAsync(server.Url, cancellationToken);
        var connection = await opened;

        var reply = server.RequestAsync(connection, Message.Text("2+2"), "calc", cancellationToken).AsTask();
        var request = await client.NextAsync(FrameKind.Request, cancellationToken);
        await client.SendAsync(new ProtocolFrame(FrameKind.Reply) { Id = request.Id, Payload = Message.Text("4") });
        var refused = server.RequestAsync(connection, Message.Text("x"), null, cancellationToken).AsTask();
        var second = await client.NextAsync(FrameKind.Request, cancellationToken);
        await client.SendAsync(new ProtocolFrame(FrameKind.Error) { Id = second.Id, Code = MessagingErrorCodes.NotFound, Reason = "no handler" });

        Assert.That((request.Name, request.Payload!.Value.GetText(), (await reply).GetText()), Is.EqualTo(("calc", "2+2", "4")));
        var error = await Assert.ThrowsAsync<RequestFailedException>(async () => await refused);
        Assert.That((second.Name, error!.Code, error.Reason), Is.EqualTo(((string?)null, MessagingErrorCodes.NotFound, "no handler")));
    }

    [Test, CancelAfter(10_000)]
    public async Task RequestAsync_ClientSilent_TimesOutOnVirtualTime_AClosedClientFailsItsPendingRequests(CancellationToken cancellationToken)
    {
        var clock = new TestScheduler();
        await using var server = await StartAsync(o =>
        {
            o.Scheduler = clock;
            o.Messaging!.RequestTimeout = TimeSpan.FromSeconds(3);
        }, cancellationToken);
        var opened = server.MessagingClients.FirstAsync().ToTask(cancellationToken);
        var client = await ProtocolTestClient.ConnectAsync(server.Url, cancellationToken);
        var connection = await opened;

        var silent = server.RequestAsync(connection, Message.Text("?"), cancellationToken: cancellationToken).AsTask();
        await client.NextAsync(FrameKind.Request, cancellationToken);
        clock.AdvanceBy(TimeSpan.FromSeconds(3));
        var timedOut = await Assert.ThrowsAsync<RequestFailedException>(async () => await silent);
        var pending = server.RequestAsync(connection, Message.Text("?"), cancellationToken: cancellationToken).AsTask();
        await client.NextAsync(FrameKind.Request, cancellationToken);
        await client.DisposeAsync();

        Assert.That(timedOut!.Code, Is.EqualTo(MessagingErrorCodes.Timeout));
        await Assert.ThrowsAsync<ConnectionClosedException>(async () => await pending.WaitAsync(cancellationToken));
        var accepted = server.Connections.FirstAsync().ToTask(cancellationToken);
        var plain = await WebSocketConnection.ConnectAsync(server.Url, cancellationToken: cancellationToken);
        var plainServerSide = await accepted;
        Assert.Throws<InvalidOperationException>(() => server.RequestAsync(plainServerSide, Message.Text("?"), cancellationToken: cancellationToken).AsTask());
        await plain.DisposeAsync();
    }

    [TestCase("no line feed at all", TestName = "Violation_NoHeaderEnd_ClosesWith4002")]
    [TestCase("{\"t\":\"sub\",\"id\":1}\n", TestName = "Violation_SubWithoutTopic_ClosesWith4002")]
    [TestCase("{\"t\":\"subok\",\"id\":1,\"topic\":\"a\",\"pos\":\"1@e\",\"recovered\":0}\n", TestName = "Violation_AServerFrameFromTheClient_ClosesWith4002")]
    [TestCase("{\"t\":\"launch\",\"id\":1}\n", TestName = "Violation_UnknownKind_ClosesWith4002")]
    [CancelAfter(10_000)]
    public async Task Violation_ClosesWith4002(string text, CancellationToken cancellationToken)
    {
        await using var server = await StartAsync(null, cancellationToken);
        await using var client = await ProtocolTestClient.ConnectAsync(server.Url, cancellationToken);

        await client.Connection.SendAsync(Message.Text(text), cancellationToken);

        var status = await client.ClosedAsync(cancellationToken);
        Assert.That((int?)status?.Code, Is.EqualTo(4002), status?.Reason);
        Assert.That(status!.Value.Reason, Does.StartWith("rxsockets.v1: "));
    }

    [Test, CancelAfter(10_000)]
    public async Task Requests_DuplicatePendingId_ClosesWith4002(CancellationToken cancellationToken)
    {
        var release = new TaskCompletionSource<Message>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var server = await StartAsync(o => o.Messaging!.RequestHandlers["wait"] = (_, _) => new ValueTask<Message>(release.Task), cancellationToken);
        await using var client = await ProtocolTestClient.ConnectAsync(server.Url, cancellationToken);

        await client.SendAsync(new ProtocolFrame(FrameKind.Request) { Id = 1, Name = "wait", Payload = Message.Text("") });
        await client.SendAsync(new ProtocolFrame(FrameKind.Request) { Id = 1, Name = "wait", Payload = Message.Text("") });

        var status = await client.ClosedAsync(cancellationToken);
        release.SetResult(Message.Text("late"));
        Assert.That((int?)status?.Code, Is.EqualTo(4002), status?.Reason);
    }

    [Test, CancelAfter(10_000)]
    public async Task Requests_PastTheLimit_AnsweredLimit_AClientThatIgnoresItIsClosedWith4008(CancellationToken cancellationToken)
    {
        var release = new TaskCompletionSource<Message>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var server = await StartAsync(o =>
        {
            o.Messaging!.MaxPendingRequests = 2;
            o.Messaging.RequestHandlers["wait"] = (_, _) => new ValueTask<Message>(release.Task);
        }, cancellationToken);
        await using var client = await ProtocolTestClient.ConnectAsync(server.Url, cancellationToken);

        for (var id = 1; id <= 3; id++)
        {
            await client.SendAsync(new ProtocolFrame(FrameKind.Request) { Id = id, Name = "wait", Payload = Message.Text("") });
        }

        var refused = await client.NextAsync(FrameKind.Error, cancellationToken);
        for (var id = 4; id <= 5; id++)
        {
            await client.SendAsync(new ProtocolFrame(FrameKind.Request) { Id = id, Name = "wait", Payload = Message.Text("") });
        }

        var status = await client.ClosedAsync(cancellationToken);
        release.SetResult(Message.Text("late"));
        Assert.That((refused.Id, refused.Code), Is.EqualTo((3L, MessagingErrorCodes.Limit)));
        Assert.That((int?)status?.Code, Is.EqualTo(4008), status?.Reason);
    }

    [Test, CancelAfter(10_000)]
    public async Task TwoNodes_ASubscriberOfOneNodeRecoversWhatTheOtherPublishedWhileItWasAway(CancellationToken cancellationToken)
    {
        var cluster = new InProcessCluster();
        await using var a = await StartAsync(o => o.Backplane = new InProcessBackplane(cluster, "a"), cancellationToken);
        await using var b = await StartAsync(o => o.Backplane = new InProcessBackplane(cluster, "b"), cancellationToken);
        await using var publisher = await ProtocolTestClient.ConnectAsync(a.Url, cancellationToken);
        TopicPosition last;
        await using (var subscriber = await ProtocolTestClient.ConnectAsync(b.Url, cancellationToken))
        {
            await subscriber.SubscribeAsync(1, "orders", null, cancellationToken);
            await publisher.SendAsync(new ProtocolFrame(FrameKind.Publish) { Id = 1, Topic = "orders", Payload = Message.Text("o1") });
            await publisher.NextAsync(FrameKind.PublishAck, cancellationToken);
            last = (await subscriber.NextAsync(FrameKind.Publication, cancellationToken)).Position!.Value;
        }

        for (var id = 2; id <= 3; id++)
        {
            await publisher.SendAsync(new ProtocolFrame(FrameKind.Publish) { Id = id, Topic = "orders", Payload = Message.Text($"o{id}") });
            await publisher.NextAsync(FrameKind.PublishAck, cancellationToken);
        }

        await using var back = await ProtocolTestClient.ConnectAsync(b.Url, cancellationToken);
        var (recovered, subscribed) = await back.SubscribeAsync(1, "orders", last, cancellationToken);

        Assert.That(recovered.Select(f => f.Payload!.Value.GetText()), Is.EqualTo(new[] { "o2", "o3" }));
        Assert.That(subscribed.Recovered, Is.EqualTo(2));
    }

    [Test]
    public void Options_InvalidMessagingLimits_ThrowNamingTheProperty()
    {
        var error = Assert.Throws<ArgumentException>(() => WebSocketServer.CreateDetached(new WebSocketServerOptions { Messaging = new MessagingServerOptions { MaxSubscriptions = 0 } }));
        var timeout = Assert.Throws<ArgumentException>(() => WebSocketServer.CreateDetached(new WebSocketServerOptions { Messaging = new MessagingServerOptions { RequestTimeout = TimeSpan.Zero } }));

        Assert.That(error!.Message, Does.Contain("Messaging.MaxSubscriptions"));
        Assert.That(timeout!.Message, Does.Contain("Messaging.RequestTimeout"));
    }

    [Test]
    public void Options_AreCopied_AHandlerAddedLaterDoesNotReachTheServer()
    {
        var options = new WebSocketServerOptions { Messaging = new MessagingServerOptions() };
        var copy = options.ValidatedCopy();
        options.Messaging.RequestHandlers["late"] = (_, _) => ValueTask.FromResult(Message.Text(""));

        Assert.That(copy.Messaging!.RequestHandlers, Is.Empty);
        Assert.That(Encoding.UTF8.GetByteCount(ProtocolCodec.SubProtocol), Is.GreaterThan(0));
    }
}
