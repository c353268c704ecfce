using RxSockets.Messaging;
using RxSockets.Tests.Client;
using RxSockets.Tests.Support;
using static RxSockets.Tests.Messaging.ClientTestSupport;

namespace RxSockets.Tests.Messaging;

/// <summary>client.Topic(name) against a scripted rxsockets.v1 server: subscribe on first use, order, no duplicate,
/// recovery from the last position after a reconnect, gaps, refusals, unsubscribe, backpressure.</summary>
public class ClientTopicTests
{
    [Test, CancelAfter(20_000)]
    public async Task FirstObserver_SubscribesLive_PublicationsArriveInOrder_AnAlreadySeenOneIsDropped(CancellationToken cancellationToken)
    {
        await using var server = await ScriptedMessagingServer.StartAsync(cancellationToken);
        await using var client = new WebSocketClient(server.Url, Options());
        await client.StartAsync(cancellationToken);
        var peer = await server.NextAsync(cancellationToken);
        var topic = client.Topic("prices");
        var received = new RecordingObserver<Message>();

        using var subscription = topic.Subscribe(received);
        var sub = await peer.ExpectAsync(FrameKind.Subscribe, cancellationToken);
        await peer.PublishAsync("prices", 5, "a", cancellationToken);   // live ones may precede subok
        await peer.SubscribedAsync(sub, 4, cancellationToken);
        await peer.PublishAsync("prices", 6, "b", cancellationToken);
        await peer.PublishAsync("prices", 6, "b again", cancellationToken);
        await peer.PublishAsync("prices", 5, "a again", cancellationToken);
        await peer.PublishAsync("other", 9, "not subscribed", cancellationToken);
        await peer.PublishAsync("prices", 7, "c", cancellationToken);
        await received.WaitForCountAsync(3, cancellationToken);

        Assert.That((sub.Topic, sub.Position), Is.EqualTo(("prices", (TopicPosition?)null)));
        Assert.That(received.Values.Select(m => m.GetText()), Is.EqualTo(new[] { "a", "b", "c" }));
        Assert.That(topic.Position, Is.EqualTo(new TopicPosition(7, "e1")));
        Assert.That(client.Topic("prices"), Is.SameAs(topic));
    }

    [Test, CancelAfter(20_000)]
    public async Task LastObserverLeaves_Unsubscribes_SecondObserverDoesNotSubscribeAgain(CancellationToken cancellationToken)
    {
        await using var server = await ScriptedMessagingServer.StartAsync(cancellationToken);
        await using var client = new WebSocketClient(server.Url, Options());
        await client.StartAsync(cancellationToken);
        var peer = await server.NextAsync(cancellationToken);
        var topic = client.Topic("prices");

        var first = topic.Subscribe(new RecordingObserver<Message>());
        var second = topic.Subscribe(new RecordingObserver<Message>());
        var sub = await peer.ExpectAsync(FrameKind.Subscribe, cancellationToken);
        await peer.SubscribedAsync(sub, 0, cancellationToken);
        first.Dispose();
        second.Dispose();
        var unsub = await peer.ExpectAsync(FrameKind.Unsubscribe, cancellationToken);

        Assert.That(unsub.Topic, Is.EqualTo("prices"));
        Assert.That(unsub.Id, Is.Not.EqualTo(sub.Id));
    }

    [Test, CancelAfter(20_000)]
    public async Task Reconnect_SubscribesAgainFromTheLastPosition_NothingLostNorDuplicated(CancellationToken cancellationToken)
    {
        await using var server = await ScriptedMessagingServer.StartAsync(cancellationToken);
        await using var client = new WebSocketClient(server.Url, Options(), FastReconnect);
        await client.StartAsync(cancellationToken);
        var first = await server.NextAsync(cancellationToken);
        var received = new RecordingObserver<Message>();
        using var subscription = client.Topic("prices").Subscribe(received);
        var sub = await first.ExpectAsync(FrameKind.Subscribe, cancellationToken);
        await first.SubscribedAsync(sub, 0, cancellationToken);
        await first.PublishAsync("prices", 1, "a", cancellationToken);
        await first.PublishAsync("prices", 2, "b", cancellationToken);
        await received.WaitForCountAsync(2, cancellationToken);

        first.Connection.Abort();
        var second = await server.NextAsync(cancellationToken);
        var again = await second.ExpectAsync(FrameKind.Subscribe, cancellationToken);
        await second.PublishAsync("prices", 2, "b resent", cancellationToken);   // a server may resend what the client has
        await second.PublishAsync("prices", 3, "c", cancellationToken);
        await second.SubscribedAsync(again, 3, cancellationToken, recovered: 2);
        await second.PublishAsync("prices", 4, "d", cancellationToken);
        await received.WaitForCountAsync(4, cancellationToken);

        Assert.That(again.Position, Is.EqualTo(new TopicPosition(2, "e1")));
        Assert.That(received.Values.Select(m => m.GetText()), Is.EqualTo(new[] { "a", "b", "c", "d" }));
    }

    [Test, CancelAfter(20_000)]
    public async Task Gap_IsReportedOnTheTopicAndTheClientEvents_ThenPublicationsGoOnLive(CancellationToken cancellationToken)
    {
        await using var server = await ScriptedMessagingServer.StartAsync(cancellationToken);
        await using var client = new WebSocketClient(server.Url, Options(), FastReconnect);
        var log = EventLog.Of(client);
        await client.StartAsync(cancellationToken);
        var first = await server.NextAsync(cancellationToken);
        var topic = client.Topic("prices");
        var received = new RecordingObserver<Message>();
        var gaps = new RecordingObserver<ClientTopicGap>();
        using var watching = topic.Gaps.Subscribe(gaps);
        using var subscription = topic.Subscribe(received);
        var sub = await first.ExpectAsync(FrameKind.Subscribe, cancellationToken);
        await first.SubscribedAsync(sub, 0, cancellationToken);
        await first.PublishAsync("prices", 1, "a", cancellationToken);
        await received.WaitForCountAsync(1, cancellationToken);

        first.Connection.Abort();
        var second = await server.NextAsync(cancellationToken);
        var again = await second.ExpectAsync(FrameKind.Subscribe, cancellationToken);
        await second.SendAsync(new ProtocolFrame(FrameKind.Gap)
        {
            Topic = "prices", Position = new TopicPosition(1, "e1"), Current = new TopicPosition(5, "e1"), Reason = "trimmed",
        }, cancellationToken);
        await second.SubscribedAsync(again, 5, cancellationToken);
        await second.PublishAsync("prices", 5, "e (inside the gap: already passed)", cancellationToken);
        await second.PublishAsync("prices", 6, "f", cancellationToken);
        await received.WaitForCountAsync(2, cancellationToken);
        var gap = (await log.WaitForAsync<ClientTopicGap>(1, cancellationToken));

        Assert.That(received.Values.Select(m => m.GetText()), Is.EqualTo(new[] { "a", "f" }));
        Assert.That(gaps.Values, Is.EqualTo(new[] { gap }));
        Assert.That((gap.Topic, gap.LastPosition, gap.CurrentPosition, gap.Reason),
            Is.EqualTo(("prices", new TopicPosition(1, "e1"), new TopicPosition(5, "e1"), TopicGapReason.HistoryTrimmed)));
        Assert.That(topic.Position, Is.EqualTo(new TopicPosition(6, "e1")));
    }

    [Test, CancelAfter(20_000)]
    public async Task NewEpoch_PublicationsOfTheNewHistoryArriveEvenAtLowerOffsets(CancellationToken cancellationToken)
    {
        await using var server = await ScriptedMessagingServer.StartAsync(cancellationToken);
        await using var client = new WebSocketClient(server.Url, Options());
        await client.StartAsync(cancellationToken);
        var peer = await server.NextAsync(cancellationToken);
        var received = new RecordingObserver<Message>();
        using var subscription = client.Topic("prices").Subscribe(received);
        var sub = await peer.ExpectAsync(FrameKind.Subscribe, cancellationToken);
        await peer.SubscribedAsync(sub, 0, cancellationToken);
        await peer.PublishAsync("prices", 9, "old", cancellationToken);
        await peer.SendAsync(new ProtocolFrame(FrameKind.Gap)
        {
            Topic = "prices", Position = new TopicPosition(9, "e1"), Current = new TopicPosition(0, "e2"), Reason = "epoch",
        }, cancellationToken);
        await peer.PublishAsync("prices", 1, "new", cancellationToken, epoch: "e2");
        await received.WaitForCountAsync(2, cancellationToken);

        Assert.That(received.Values.Select(m => m.GetText()), Is.EqualTo(new[] { "old", "new" }));
    }

    [Test, CancelAfter(20_000)]
    public async Task RefusedSubscription_EndsObserversAndEnumerationsWithRequestFailed_ALaterObserverAsksAgain(CancellationToken cancellationToken)
    {
        await using var server = await ScriptedMessagingServer.StartAsync(cancellationToken);
        await using var client = new WebSocketClient(server.Url, Options());
        await client.StartAsync(cancellationToken);
        var peer = await server.NextAsync(cancellationToken);
        var topic = client.Topic("secret");
        await using var reading = topic.ReadAllAsync(cancellationToken).GetAsyncEnumerator(cancellationToken);
        var moving = reading.MoveNextAsync();
        var observer = new RecordingObserver<Message>();
        using var subscription = topic.Subscribe(observer);

        var sub = await peer.ExpectAsync(FrameKind.Subscribe, cancellationToken);
        await peer.SendAsync(new ProtocolFrame(FrameKind.Error) { Id = sub.Id, Code = MessagingErrorCodes.Forbidden, Reason = "not yours" }, cancellationToken);
        var observed = await observer.Terminated.WaitAsync(cancellationToken);
        var enumerated = await Assert.ThrowsAsync<RequestFailedException>(async () => await moving);
        using var later = topic.Subscribe(new RecordingObserver<Message>());
        var askedAgain = await peer.ExpectAsync(FrameKind.Subscribe, cancellationToken);

        Assert.That(observed, Is.InstanceOf<RequestFailedException>());
        var refused = (RequestFailedException)observed!;
        Assert.That((refused.Code, refused.Reason), Is.EqualTo((MessagingErrorCodes.Forbidden, "not yours")));
        Assert.That(enumerated?.Code, Is.EqualTo(MessagingErrorCodes.Forbidden));
        Assert.That(askedAgain.Topic, Is.EqualTo("secret"));
    }

    [Test, CancelAfter(20_000)]
    public async Task SlowEnumeration_HoldsTheReadLoop_NoMoreThanItsBufferIsTakenOffTheSocket_ThenEverythingArrivesInOrder(
        CancellationToken cancellationToken)
    {
        const int Capacity = 4, Sent = 200;
        await using var server = await ScriptedMessagingServer.StartAsync(cancellationToken);
        var options = Options();
        options.ReceiveQueueCapacity = Capacity;
        await using var client = new WebSocketClient(server.Url, options);
        await client.StartAsync(cancellationToken);
        var peer = await server.NextAsync(cancellationToken);
        var topic = client.Topic("bulk");
        await using var reading = topic.ReadAllAsync(cancellationToken).GetAsyncEnumerator(cancellationToken);
        var first = reading.MoveNextAsync();
        var sub = await peer.ExpectAsync(FrameKind.Subscribe, cancellationToken);
        await peer.SubscribedAsync(sub, 0, cancellationToken);
        var asking = client.RequestAsync(Message.Text("behind the publications"), cancellationToken: cancellationToken).AsTask();
        var req = await peer.ExpectAsync(FrameKind.Request, cancellationToken);

        for (var offset = 1; offset <= Sent; offset++)
        {
            await peer.PublishAsync("bulk", offset, $"p{offset}", cancellationToken);
        }

        await peer.SendAsync(new ProtocolFrame(FrameKind.Reply) { Id = req.Id, Payload = Message.Text("answer") }, cancellationToken);
        await first;

        // The enumeration reads no further: the read loop fills its buffer and waits (a client that buffered without
        // bound would read on and complete the request instead).
        await Task.WhenAny(asking, Until.TrueAsync(() => topic.Stalls > 0, cancellationToken));
        var answeredWhileStalled = asking.IsCompleted;
        var taken = topic.Position!.Value.Offset;
        var texts = new List<string> { reading.Current.GetText() };
        while (texts.Count < Sent && await reading.MoveNextAsync())
        {
            texts.Add(reading.Current.GetText());
        }

        Assert.That(answeredWhileStalled, Is.False);
        Assert.That(taken, Is.LessThanOrEqualTo(1 + Capacity + 1), "taken off the socket: the one read, a full buffer, the one waiting");
        Assert.That(texts, Is.EqualTo(Enumerable.Range(1, Sent).Select(i => $"p{i}")));
        Assert.That((await asking).GetText(), Is.EqualTo("answer"));
    }
}
