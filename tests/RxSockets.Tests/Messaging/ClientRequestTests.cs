using Microsoft.Reactive.Testing;
using RxSockets.Messaging;
using RxSockets.Tests.Client;
using RxSockets.Tests.Support;
using static RxSockets.Tests.Messaging.ClientTestSupport;

namespace RxSockets.Tests.Messaging;

/// <summary>Acknowledged publishing, requests both ways and their failures against a scripted rxsockets.v1 server;
/// every timeout on virtual time.</summary>
public class ClientRequestTests
{
    [Test, CancelAfter(20_000)]
    public async Task Publish_CompletesWithThePositionOfItsAcknowledgment(CancellationToken cancellationToken)
    {
        await using var server = await ScriptedMessagingServer.StartAsync(cancellationToken);
        await using var client = new WebSocketClient(server.Url, Options());
        await client.StartAsync(cancellationToken);
        var peer = await server.NextAsync(cancellationToken);

        var publishing = client.PublishAsync("prices", Message.Binary(new byte[] { 1, 2 }), cancellationToken).AsTask();
        var viaTopic = client.Topic("prices").PublishAsync(Message.Text("second"), cancellationToken).AsTask();
        var pub = await peer.ExpectAsync(FrameKind.Publish, cancellationToken);
        var pub2 = await peer.ExpectAsync(FrameKind.Publish, cancellationToken);
        await peer.SendAsync(new ProtocolFrame(FrameKind.PublishAck) { Id = pub2.Id, Topic = "prices", Position = new TopicPosition(8, "e1") }, cancellationToken);
        await peer.SendAsync(new ProtocolFrame(FrameKind.PublishAck) { Id = pub.Id, Topic = "prices", Position = new TopicPosition(7, "e1") }, cancellationToken);

        Assert.That((pub.Topic, pub.Payload), Is.EqualTo(("prices", (Message?)Message.Binary(new byte[] { 1, 2 }))));
        Assert.That(pub2.Payload?.GetText(), Is.EqualTo("second"));
        Assert.That(await publishing, Is.EqualTo(new TopicPosition(7, "e1")));
        Assert.That(await viaTopic, Is.EqualTo(new TopicPosition(8, "e1")));
    }

    [Test, CancelAfter(20_000)]
    public async Task RefusedPublish_FailsWithTheServersCodeAndReason(CancellationToken cancellationToken)
    {
        await using var server = await ScriptedMessagingServer.StartAsync(cancellationToken);
        await using var client = new WebSocketClient(server.Url, Options());
        await client.StartAsync(cancellationToken);
        var peer = await server.NextAsync(cancellationToken);

        var publishing = client.PublishAsync("prices", Message.Text("x"), cancellationToken).AsTask();
        var pub = await peer.ExpectAsync(FrameKind.Publish, cancellationToken);
        await peer.SendAsync(new ProtocolFrame(FrameKind.Error) { Id = pub.Id, Code = MessagingErrorCodes.Forbidden, Reason = "read-only" }, cancellationToken);

        var error = await Assert.ThrowsAsync<RequestFailedException>(() => publishing);
        Assert.That((error?.Code, error?.Reason), Is.EqualTo((MessagingErrorCodes.Forbidden, "read-only")));
    }

    [Test, CancelAfter(20_000)]
    public async Task Request_CompletesWithTheReply_OrFailsWithTheErrorsCode(CancellationToken cancellationToken)
    {
        await using var server = await ScriptedMessagingServer.StartAsync(cancellationToken);
        await using var client = new WebSocketClient(server.Url, Options());
        await client.StartAsync(cancellationToken);
        var peer = await server.NextAsync(cancellationToken);

        var asking = client.RequestAsync(Message.Text("1+2"), "sum", cancellationToken).AsTask();
        var unnamed = client.RequestAsync(Message.Text("?"), cancellationToken: cancellationToken).AsTask();
        var req = await peer.ExpectAsync(FrameKind.Request, cancellationToken);
        var req2 = await peer.ExpectAsync(FrameKind.Request, cancellationToken);
        await peer.SendAsync(new ProtocolFrame(FrameKind.Reply) { Id = req.Id, Payload = Message.Text("3") }, cancellationToken);
        await peer.SendAsync(new ProtocolFrame(FrameKind.Error) { Id = req2.Id, Code = MessagingErrorCodes.NotFound, Reason = "no handler" }, cancellationToken);

        Assert.That((req.Name, req.Payload?.GetText(), req2.Name), Is.EqualTo(("sum", "1+2", (string?)null)));
        Assert.That((await asking).GetText(), Is.EqualTo("3"));
        var error = await Assert.ThrowsAsync<RequestFailedException>(() => unnamed);
        Assert.That((error?.Code, error?.Reason), Is.EqualTo((MessagingErrorCodes.NotFound, "no handler")));
    }

    [Test, CancelAfter(20_000)]
    public async Task Request_NoReply_TimesOutOnTheClientsClockExactly_ALateReplyIsIgnored(CancellationToken cancellationToken)
    {
        var clock = new TestScheduler();
        await using var server = await ScriptedMessagingServer.StartAsync(cancellationToken);
        await using var client = new WebSocketClient(server.Url, Options(clock, new MessagingClientOptions { RequestTimeout = TimeSpan.FromSeconds(10) }));
        await client.StartAsync(cancellationToken);
        var peer = await server.NextAsync(cancellationToken);

        var asking = client.RequestAsync(Message.Text("anyone?"), cancellationToken: cancellationToken).AsTask();   // its timer is armed here
        var req = await peer.ExpectAsync(FrameKind.Request, cancellationToken);
        clock.AdvanceBy(TimeSpan.FromSeconds(10) - TimeSpan.FromTicks(1));
        var before = asking.IsCompleted;
        clock.AdvanceBy(TimeSpan.FromTicks(1));
        var error = await Assert.ThrowsAsync<RequestFailedException>(() => asking);
        await peer.SendAsync(new ProtocolFrame(FrameKind.Reply) { Id = req.Id, Payload = Message.Text("late") }, cancellationToken);
        var next = client.RequestAsync(Message.Text("again"), cancellationToken: cancellationToken).AsTask();
        var req2 = await peer.ExpectAsync(FrameKind.Request, cancellationToken);
        await peer.SendAsync(new ProtocolFrame(FrameKind.Reply) { Id = req2.Id, Payload = Message.Text("on time") }, cancellationToken);

        Assert.That(before, Is.False);
        Assert.That(error?.Code, Is.EqualTo(MessagingErrorCodes.Timeout));
        Assert.That((await next).GetText(), Is.EqualTo("on time"));
        Assert.That(req2.Id, Is.Not.EqualTo(req.Id));
    }

    [Test, CancelAfter(20_000)]
    public async Task MaxPendingRequests_OneMoreFailsWithLimitAtOnce(CancellationToken cancellationToken)
    {
        await using var server = await ScriptedMessagingServer.StartAsync(cancellationToken);
        await using var client = new WebSocketClient(server.Url, Options(messaging: new MessagingClientOptions { MaxPendingRequests = 2 }));
        await client.StartAsync(cancellationToken);
        await server.NextAsync(cancellationToken);

        _ = client.RequestAsync(Message.Text("1"), cancellationToken: cancellationToken).AsTask();
        _ = client.PublishAsync("t", Message.Text("2"), cancellationToken).AsTask();
        var third = client.RequestAsync(Message.Text("3"), cancellationToken: cancellationToken).AsTask();

        var error = await Assert.ThrowsAsync<RequestFailedException>(() => third);
        Assert.That(error?.Code, Is.EqualTo(MessagingErrorCodes.Limit));
    }

    [Test, CancelAfter(20_000)]
    public async Task ConnectionLost_SentRequestsFailWithConnectionClosed_OnesMadeWhileDisconnectedGoOnTheNextConnectionInCallOrder(
        CancellationToken cancellationToken)
    {
        var clock = new TestScheduler();
        await using var server = await ScriptedMessagingServer.StartAsync(cancellationToken);
        var reconnect = new ReconnectOptions { ReconnectDelay = TimeSpan.FromSeconds(1), Jitter = 0 };
        // The clock below moves in steps until the reconnect delay (armed whenever the client's loop gets there) has
        // passed, and may run on while the attempt's handshake is under way: no timeout on it may be reachable.
        var options = Options(clock, new MessagingClientOptions { RequestTimeout = TimeSpan.FromDays(365) });
        options.HandshakeTimeout = Timeout.InfiniteTimeSpan;
        await using var client = new WebSocketClient(server.Url, options, reconnect);
        var log = EventLog.Of(client);
        await client.StartAsync(cancellationToken);
        var first = await server.NextAsync(cancellationToken);
        var lost = client.RequestAsync(Message.Text("lost"), cancellationToken: cancellationToken).AsTask();
        var lostPublish = client.PublishAsync("t", Message.Text("lost too"), cancellationToken).AsTask();
        await first.ExpectAsync(FrameKind.Request, cancellationToken);
        await first.ExpectAsync(FrameKind.Publish, cancellationToken);

        first.Connection.Abort();
        var lostError = await Assert.ThrowsAsync<ConnectionClosedException>(() => lost);
        var lostPublishError = await Assert.ThrowsAsync<ConnectionClosedException>(() => lostPublish);
        await log.WaitForAsync<ClientDisconnected>(1, cancellationToken);
        var asking = client.RequestAsync(Message.Text("r1"), "x", cancellationToken).AsTask();
        var publishing = client.PublishAsync("t", Message.Text("p2"), cancellationToken).AsTask();
        var asking3 = client.RequestAsync(Message.Text("r3"), cancellationToken: cancellationToken).AsTask();

        // The reconnect delay is armed by the client's loop: move the clock a little at a time until it attempts.
        var attempting = log.WaitForAsync<ClientConnecting>(2, cancellationToken);
        while (!attempting.IsCompleted)
        {
            cancellationToken.ThrowIfCancellationRequested();
            clock.AdvanceBy(TimeSpan.FromMilliseconds(100));
            await Task.Yield();
        }

        var second = await server.NextAsync(cancellationToken);
        var frames = new[]
        {
            await second.ReadAsync(cancellationToken), await second.ReadAsync(cancellationToken), await second.ReadAsync(cancellationToken),
        };
        await second.SendAsync(new ProtocolFrame(FrameKind.Reply) { Id = frames[2].Id, Payload = Message.Text("a3") }, cancellationToken);
        await second.SendAsync(new ProtocolFrame(FrameKind.PublishAck) { Id = frames[1].Id, Topic = "t", Position = new TopicPosition(1, "e1") }, cancellationToken);
        await second.SendAsync(new ProtocolFrame(FrameKind.Reply) { Id = frames[0].Id, Payload = Message.Text("a1") }, cancellationToken);

        Assert.That(lostError?.Message, Does.Contain("may or may not"));
        Assert.That(lostPublishError, Is.Not.Null);
        Assert.That(frames.Select(f => (f.Kind, f.Payload?.GetText())), Is.EqualTo(new[]
        {
            (FrameKind.Request, "r1"), (FrameKind.Publish, "p2"), (FrameKind.Request, "r3"),
        }));
        Assert.That((await asking).GetText(), Is.EqualTo("a1"));
        Assert.That(await publishing, Is.EqualTo(new TopicPosition(1, "e1")));
        Assert.That((await asking3).GetText(), Is.EqualTo("a3"));
    }

    [Test, CancelAfter(20_000)]
    public async Task MadeWhileDisconnected_NoConnectionInTime_TimesOutOnTheClientsClock(CancellationToken cancellationToken)
    {
        var clock = new TestScheduler();
        await using var server = await ScriptedMessagingServer.StartAsync(cancellationToken);
        await using var client = new WebSocketClient(server.Url, Options(clock, new MessagingClientOptions { RequestTimeout = TimeSpan.FromSeconds(5) }));
        await client.StartAsync(cancellationToken);
        await client.StopAsync(cancellationToken);

        var asking = client.RequestAsync(Message.Text("anyone?"), cancellationToken: cancellationToken).AsTask();
        clock.AdvanceBy(TimeSpan.FromSeconds(5));

        var error = await Assert.ThrowsAsync<RequestFailedException>(() => asking);
        Assert.That(error?.Code, Is.EqualTo(MessagingErrorCodes.Timeout));
    }

    [Test, CancelAfter(20_000)]
    public async Task Dispose_PendingRequestsFailWithObjectDisposed(CancellationToken cancellationToken)
    {
        await using var server = await ScriptedMessagingServer.StartAsync(cancellationToken);
        var client = new WebSocketClient(server.Url, Options());
        await client.StopAsync(cancellationToken);
        var asking = client.RequestAsync(Message.Text("anyone?"), cancellationToken: cancellationToken).AsTask();

        await client.DisposeAsync();

        await Assert.ThrowsAsync<ObjectDisposedException>(() => asking);
        await Assert.ThrowsAsync<ObjectDisposedException>(() => client.PublishAsync("t", Message.Text("x"), cancellationToken).AsTask());
    }

    [Test, CancelAfter(20_000)]
    public async Task ServerRequest_AnsweredByTheMappedHandler_ErrorsMappedToTheirCodes(CancellationToken cancellationToken)
    {
        await using var server = await ScriptedMessagingServer.StartAsync(cancellationToken);
        await using var client = new WebSocketClient(server.Url, Options());
        using var sum = client.MapRequest("sum", (request, _) => ValueTask.FromResult(Message.Text($"sum of {request.GetText()}")));
        using var unnamed = client.MapRequest("", (_, _) => ValueTask.FromResult(Message.Binary(new byte[] { 9 })));
        using var refusing = client.MapRequest("refuse", (_, _) => throw new RequestFailedException(MessagingErrorCodes.Forbidden, "not you"));
        using var failing = client.MapRequest("fail", (_, _) => throw new InvalidOperationException("secret details"));
        var gone = client.MapRequest("gone", (_, _) => ValueTask.FromResult(Message.Text("never")));
        gone.Dispose();
        await client.StartAsync(cancellationToken);
        var peer = await server.NextAsync(cancellationToken);

        var answers = new Dictionary<long, ProtocolFrame>();
        string?[] names = ["sum", null, "refuse", "fail", "gone"];
        for (var i = 0; i < names.Length; i++)
        {
            await peer.SendAsync(new ProtocolFrame(FrameKind.Request) { Id = i + 1, Name = names[i], Payload = Message.Text("1,2") }, cancellationToken);
        }

        while (answers.Count < names.Length)
        {
            var answer = await peer.ReadAsync(cancellationToken);
            answers.Add(answer.Id, answer);
        }

        Assert.That((answers[1].Kind, answers[1].Payload?.GetText()), Is.EqualTo((FrameKind.Reply, "sum of 1,2")));
        Assert.That((answers[2].Kind, answers[2].Payload), Is.EqualTo((FrameKind.Reply, (Message?)Message.Binary(new byte[] { 9 }))));
        Assert.That((answers[3].Kind, answers[3].Code, answers[3].Reason), Is.EqualTo((FrameKind.Error, MessagingErrorCodes.Forbidden, "not you")));
        Assert.That((answers[4].Kind, answers[4].Code, answers[4].Reason), Is.EqualTo((FrameKind.Error, MessagingErrorCodes.Internal, (string?)null)));
        Assert.That((answers[5].Kind, answers[5].Code), Is.EqualTo((FrameKind.Error, MessagingErrorCodes.NotFound)));
        Assert.Throws<InvalidOperationException>(() => client.MapRequest("sum", (_, _) => default));
    }

    [Test, CancelAfter(20_000)]
    public async Task ServerBreaksTheProtocol_ClientClosesWith4002(CancellationToken cancellationToken)
    {
        await using var server = await ScriptedMessagingServer.StartAsync(cancellationToken);
        await using var client = new WebSocketClient(server.Url, Options());
        await client.StartAsync(cancellationToken);
        var peer = await server.NextAsync(cancellationToken);

        await peer.Connection.SendAsync("no header here", cancellationToken);
        await Task.WhenAny(peer.Connection.Completion);

        Assert.That(peer.Connection.CloseStatus?.Code, Is.EqualTo((CloseCode)4002));
    }
}
