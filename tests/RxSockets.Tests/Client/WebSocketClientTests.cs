using System.Reactive.Linq;
using Microsoft.Reactive.Testing;
using Polly;
using RxSockets.Protocol;
using RxSockets.Protocol.Frames;
using RxSockets.Tests.Support;

namespace RxSockets.Tests.Client;

public class WebSocketClientTests
{
    private static readonly ReconnectOptions s_exact = new() { ReconnectDelay = TimeSpan.FromSeconds(1), MaxReconnectDelay = TimeSpan.FromMinutes(5) };

    [Test, CancelAfter(10_000)]
    public async Task Reconnect_ServerStaysDown_BacksOffOneTwoFourEightSixteenSeconds(CancellationToken cancellationToken)
    {
        var clock = new TestScheduler();
        var (client, connector) = FakeConnector.CreateClient(clock, reconnect: s_exact);
        await using var _ = connector;
        connector.Failure = i => i == 0 ? null : FakeConnector.Refused();
        var log = EventLog.Of(client);
        var attempts = clock.CreateObserver<int>();   // each connection attempt, at its virtual time
        using var recording = client.Events.OfType<ClientConnecting>().Select(e => e.Attempt).Subscribe(attempts);
        await client.StartAsync(cancellationToken);
        var peer = await connector.NextPeerAsync(cancellationToken);

        await peer.CompleteAsync();
        for (var attempt = 1; attempt <= 5; attempt++)
        {
            await log.WaitForAsync<ClientReconnecting>(attempt, cancellationToken);
            await clock.StepAsync(cancellationToken);
            await log.WaitForAsync<ClientReconnectFailed>(attempt, cancellationToken);
        }

        Assert.That(attempts.Messages, Is.EqualTo(new[]
        {
            ReactiveTest.OnNext(0, 0),   // the first connection (attempt 0), then the reconnect attempts 1 to 5
            ReactiveTest.OnNext(Seconds(1), 1), ReactiveTest.OnNext(Seconds(3), 2), ReactiveTest.OnNext(Seconds(7), 3),
            ReactiveTest.OnNext(Seconds(15), 4), ReactiveTest.OnNext(Seconds(31), 5),
        }));
        Assert.That(log.OfType<ClientReconnecting>().Take(5).Select(r => r.Delay.TotalSeconds), Is.EqualTo(new[] { 1.0, 2, 4, 8, 16 }));
        Assert.That(log.OfType<ClientReconnecting>().Take(5).Select(r => r.Attempt), Is.EqualTo(new[] { 1, 2, 3, 4, 5 }));
        Assert.That(log.OfType<ClientDisconnected>().Single().Reason.Code, Is.EqualTo(CloseCode.AbnormalClosure));
        Assert.That(client.State, Is.EqualTo(ClientState.Reconnecting));
    }

    [Test, CancelAfter(10_000)]
    public async Task Reconnect_DelayReachesMaxReconnectDelay_StaysCapped(CancellationToken cancellationToken)
    {
        var clock = new TestScheduler();
        var reconnect = new ReconnectOptions { ReconnectDelay = TimeSpan.FromSeconds(1), MaxReconnectDelay = TimeSpan.FromSeconds(5) };
        var (client, connector) = FakeConnector.CreateClient(clock, reconnect: reconnect);
        await using var _ = connector;
        connector.Failure = i => i == 0 ? null : FakeConnector.Refused();
        var log = EventLog.Of(client);
        await client.StartAsync(cancellationToken);

        await (await connector.NextPeerAsync(cancellationToken)).CompleteAsync();
        for (var attempt = 1; attempt <= 5; attempt++)
        {
            await log.WaitForAsync<ClientReconnecting>(attempt, cancellationToken);
            await clock.StepAsync(cancellationToken);
            await log.WaitForAsync<ClientReconnectFailed>(attempt, cancellationToken);
        }

        Assert.That(log.OfType<ClientReconnecting>().Take(5).Select(r => r.Delay.TotalSeconds), Is.EqualTo(new[] { 1.0, 2, 4, 5, 5 }));
    }

    [Test, CancelAfter(10_000)]
    public async Task Reconnect_MaxAttemptsFail_GivesUpThenReconnectAsyncStartsAgain(CancellationToken cancellationToken)
    {
        var clock = new TestScheduler();
        var reconnect = new ReconnectOptions { MaxReconnectAttempts = 3 };
        var (client, connector) = FakeConnector.CreateClient(clock, reconnect: reconnect);
        await using var _ = connector;
        var serverDown = false;
        connector.Failure = _ => Volatile.Read(ref serverDown) ? FakeConnector.Refused() : null;
        var log = EventLog.Of(client);
        await client.StartAsync(cancellationToken);
        Volatile.Write(ref serverDown, true);

        await (await connector.NextPeerAsync(cancellationToken)).CompleteAsync();
        for (var attempt = 1; attempt <= 3; attempt++)
        {
            await log.WaitForAsync<ClientReconnecting>(attempt, cancellationToken);
            await clock.StepAsync(cancellationToken);
        }

        var gaveUp = await log.WaitForAsync<ClientGaveUp>(1, cancellationToken);
        var closed = await log.WaitForAsync<ClientClosed>(1, cancellationToken);
        var attemptsBeforeManual = connector.Calls;
        Volatile.Write(ref serverDown, false);
        await client.ReconnectAsync(cancellationToken);

        Assert.That(gaveUp.Attempts, Is.EqualTo(3));
        Assert.That(gaveUp.LastError, Is.InstanceOf<System.Net.Sockets.SocketException>());
        Assert.That(closed.Error, Is.SameAs(gaveUp.LastError));
        Assert.That(attemptsBeforeManual, Is.EqualTo(4));
        Assert.That(log.OfType<ClientReconnecting>(), Has.Count.EqualTo(3));
        Assert.That(client.State, Is.EqualTo(ClientState.Open));
        Assert.That(log.OfType<ClientOpened>(), Has.Count.EqualTo(2));
    }

    [Test, CancelAfter(10_000)]
    public async Task Reconnect_AfterASuccessfulConnection_CountsAttemptsFromOneAgain(CancellationToken cancellationToken)
    {
        var clock = new TestScheduler();
        var (client, connector) = FakeConnector.CreateClient(clock, reconnect: s_exact);
        await using var _ = connector;
        connector.Failure = i => i == 1 ? FakeConnector.Refused() : null;
        var log = EventLog.Of(client);
        await client.StartAsync(cancellationToken);

        await connector.DropFirstConnectionAsync(log, cancellationToken);
        await clock.StepAsync(cancellationToken);
        await log.WaitForAsync<ClientReconnecting>(2, cancellationToken);
        await clock.StepAsync(cancellationToken);
        var reconnected = await log.WaitForAsync<ClientReconnected>(1, cancellationToken);
        await (await connector.NextPeerAsync(cancellationToken)).CompleteAsync();
        var again = await log.WaitForAsync<ClientReconnecting>(3, cancellationToken);

        Assert.That(reconnected.Attempts, Is.EqualTo(2));
        Assert.That(reconnected.Resumed, Is.False);
        Assert.That(again.Attempt, Is.EqualTo(1));
        Assert.That(again.Delay, Is.EqualTo(TimeSpan.FromSeconds(1)));
    }

    [Test, CancelAfter(10_000)]
    public async Task Heartbeat_ServerSilent_TimesOutAtIntervalPlusTimeoutAndNotBeforeThenReconnects(CancellationToken cancellationToken)
    {
        var clock = new TestScheduler();
        var (client, connector) = FakeConnector.CreateClient(clock, o =>
        {
            o.KeepAliveInterval = TimeSpan.FromSeconds(20);
            o.KeepAliveTimeout = TimeSpan.FromSeconds(20);
        }, s_exact);
        await using var _ = connector;
        var log = EventLog.Of(client);
        await client.StartAsync(cancellationToken);
        var peer = await connector.NextPeerAsync(cancellationToken);

        clock.AdvanceTo(TimeSpan.FromSeconds(20));
        await peer.ExpectFrameAsync(Opcode.Ping, cancellationToken);
        clock.AdvanceTo(TimeSpan.FromSeconds(40) - TimeSpan.FromTicks(1));
        var timeoutsBefore = log.OfType<ClientHeartbeatTimeout>().Count;
        var stateBefore = client.State;
        clock.AdvanceTo(TimeSpan.FromSeconds(40));
        var timeout = await log.WaitForAsync<ClientHeartbeatTimeout>(1, cancellationToken);
        var reconnecting = await log.WaitForAsync<ClientReconnecting>(1, cancellationToken);
        await clock.StepAsync(cancellationToken);
        await log.WaitForAsync<ClientReconnected>(1, cancellationToken);

        Assert.That(timeoutsBefore, Is.Zero);
        Assert.That(stateBefore, Is.EqualTo(ClientState.Open));
        Assert.That(timeout.Time, Is.EqualTo(DateTimeOffset.MinValue.AddSeconds(40)));
        Assert.That(reconnecting.Reason, Is.InstanceOf<ConnectionClosedException>().With.InnerException.InstanceOf<TimeoutException>());
        Assert.That(connector.Attempts[1].Time, Is.EqualTo(DateTimeOffset.MinValue.AddSeconds(41)));
    }

    [Test, CancelAfter(10_000)]
    public async Task Heartbeat_SlowConsumerHoldsBackReading_NoTimeoutAndNothingLost(CancellationToken cancellationToken)
    {
        var clock = new TestScheduler();
        var (client, connector) = FakeConnector.CreateClient(clock, o =>
        {
            o.KeepAliveInterval = TimeSpan.FromSeconds(20);
            o.KeepAliveTimeout = TimeSpan.FromSeconds(20);
            o.ReceiveQueueCapacity = 1;
        });
        await using var _ = connector;
        var log = EventLog.Of(client);
        await client.StartAsync(cancellationToken);
        var peer = await connector.NextPeerAsync(cancellationToken);
        for (var i = 1; i <= 5; i++)
        {
            await peer.SendTextAsync($"m{i}", cancellationToken);
        }

        await DriverProbe.WaitUntilReadPausedAsync(client.Connection!, cancellationToken);   // open: just started
        for (var step = 1; step <= 10; step++)
        {
            clock.AdvanceBy(TimeSpan.FromSeconds(20));
            await peer.SendTextAsync($"m{5 + step}", cancellationToken);
        }

        var stateWhilePaused = client.State;
        var timeouts = log.OfType<ClientHeartbeatTimeout>().Count;
        var texts = new List<string>();
        await foreach (var message in client.ReadAllAsync(cancellationToken))
        {
            texts.Add(message.GetText());
            if (texts.Count == 15)
            {
                break;
            }
        }

        Assert.That(stateWhilePaused, Is.EqualTo(ClientState.Open));
        Assert.That(timeouts, Is.Zero);
        Assert.That(texts, Is.EqualTo(Enumerable.Range(1, 15).Select(i => $"m{i}")));
        Assert.That(connector.Calls, Is.EqualTo(1));
    }

    [Test, CancelAfter(10_000)]
    public async Task Close_ServerClosesWith1000_StopsWithoutReconnecting(CancellationToken cancellationToken)
    {
        var clock = new TestScheduler();
        var (client, connector) = FakeConnector.CreateClient(clock);
        await using var _ = connector;
        var log = EventLog.Of(client);
        await client.StartAsync(cancellationToken);
        var peer = await connector.NextPeerAsync(cancellationToken);

        await peer.SendCloseAsync(CloseCode.NormalClosure, "done", cancellationToken);
        await peer.ExpectCloseAsync(cancellationToken);
        await peer.CompleteAsync();
        var closed = await log.WaitForAsync<ClientClosed>(1, cancellationToken);

        Assert.That(closed.Status, Is.EqualTo(new CloseStatus(CloseCode.NormalClosure, "done")));
        Assert.That(closed.Error, Is.Null);
        Assert.That(client.State, Is.EqualTo(ClientState.Closed));
        Assert.That(log.OfType<ClientReconnecting>(), Is.Empty);
        Assert.That(connector.Calls, Is.EqualTo(1));
    }

    [TestCase(CloseCode.GoingAway, true)]
    [TestCase(CloseCode.ServiceRestart, true)]
    [TestCase(CloseCode.TryAgainLater, true)]
    [TestCase(CloseCode.PolicyViolation, false)]
    [TestCase(CloseCode.UnsupportedData, false)]
    [CancelAfter(10_000)]
    public async Task Close_ServerCloseCode_ReconnectsOnlyWhenTransient(CloseCode code, bool reconnects, CancellationToken cancellationToken)
    {
        var clock = new TestScheduler();
        var (client, connector) = FakeConnector.CreateClient(clock);
        await using var _ = connector;
        var log = EventLog.Of(client);
        await client.StartAsync(cancellationToken);
        var peer = await connector.NextPeerAsync(cancellationToken);

        await peer.SendCloseAsync(code, "", cancellationToken);
        await peer.ExpectCloseAsync(cancellationToken);
        await peer.CompleteAsync();
        var outcome = reconnects
            ? (ClientEvent)await log.WaitForAsync<ClientReconnecting>(1, cancellationToken)
            : await log.WaitForAsync<ClientClosed>(1, cancellationToken);

        Assert.That(outcome, reconnects ? Is.InstanceOf<ClientReconnecting>() : Is.InstanceOf<ClientClosed>());
        Assert.That(log.OfType<ClientDisconnected>().Single().Reason.Code, Is.EqualTo(code));
    }

    [Test, CancelAfter(10_000)]
    public async Task Send_WhileDisconnected_ArrivesAfterOnConnectedInOrder(CancellationToken cancellationToken)
    {
        var clock = new TestScheduler();
        var (client, connector) = FakeConnector.CreateClient(clock);
        await using var _ = connector;
        var connections = new List<WebSocketConnection>();
        using var watching = client.Connections.Subscribe(new Observer<WebSocketConnection>(connections.Add));
        client.OnConnected = (connection, token) => connection.SendAsync("subscribe", token);
        var log = EventLog.Of(client);
        await client.StartAsync(cancellationToken);
        var first = await connector.NextPeerAsync(cancellationToken);
        var firstSubscribe = await first.ExpectTextAsync(cancellationToken);

        await first.CompleteAsync();
        await log.WaitForAsync<ClientReconnecting>(1, cancellationToken);
        await client.SendAsync("a", cancellationToken);
        client.Outgoing.OnNext(Message.Text("b"));
        await client.SendAsync("c", cancellationToken);
        var queued = client.QueuedOutgoing;
        await clock.StepAsync(cancellationToken);
        var second = await connector.NextPeerAsync(cancellationToken);
        var texts = new List<string>();
        for (var i = 0; i < 4; i++)
        {
            texts.Add(await second.ExpectTextAsync(cancellationToken));
        }

        Assert.That(firstSubscribe, Is.EqualTo("subscribe"));
        Assert.That(queued, Is.EqualTo(3));
        Assert.That(texts, Is.EqualTo(new[] { "subscribe", "a", "b", "c" }));
        Assert.That(connections, Has.Count.EqualTo(2));
        Assert.That(client.DroppedOutgoing, Is.Zero);
    }

    [Test, CancelAfter(10_000)]
    public async Task Incoming_AcrossReconnect_ContinuesOneStream(CancellationToken cancellationToken)
    {
        var clock = new TestScheduler();
        var (client, connector) = FakeConnector.CreateClient(clock);
        await using var _ = connector;
        var log = EventLog.Of(client);
        await client.StartAsync(cancellationToken);
        var first = await connector.NextPeerAsync(cancellationToken);
        await first.SendTextAsync("1", cancellationToken);
        await first.SendTextAsync("2", cancellationToken);

        var texts = new List<string>();
        await using var reading = client.ReadAllAsync(cancellationToken).GetAsyncEnumerator(cancellationToken);
        for (var i = 0; i < 2 && await reading.MoveNextAsync(); i++)
        {
            texts.Add(reading.Current.GetText());
        }

        await first.CompleteAsync();
        await log.WaitForAsync<ClientReconnecting>(1, cancellationToken);
        await clock.StepAsync(cancellationToken);
        var second = await connector.NextPeerAsync(cancellationToken);
        await second.SendTextAsync("3", cancellationToken);
        await reading.MoveNextAsync();
        texts.Add(reading.Current.GetText());

        Assert.That(texts, Is.EqualTo(new[] { "1", "2", "3" }));
    }

    [Test, CancelAfter(10_000)]
    public async Task Url_ChangedWhileDisconnected_NextAttemptUsesIt(CancellationToken cancellationToken)
    {
        var clock = new TestScheduler();
        var (client, connector) = FakeConnector.CreateClient(clock);
        await using var _ = connector;
        var log = EventLog.Of(client);
        await client.StartAsync(cancellationToken);

        await connector.DropFirstConnectionAsync(log, cancellationToken);
        client.Url = new Uri("ws://backup.test/feed");
        await clock.StepAsync(cancellationToken);
        await log.WaitForAsync<ClientReconnected>(1, cancellationToken);

        Assert.That(connector.Attempts.Select(a => a.Url.Host), Is.EqualTo(new[] { "fake.test", "backup.test" }));
    }

    [Test, CancelAfter(10_000)]
    public async Task Stop_WhileOpen_ClosesWith1000AndNeverReconnects(CancellationToken cancellationToken)
    {
        var clock = new TestScheduler();
        var (client, connector) = FakeConnector.CreateClient(clock);
        await using var _ = connector;
        var log = EventLog.Of(client);
        await client.StartAsync(cancellationToken);
        var peer = await connector.NextPeerAsync(cancellationToken);

        var stopping = client.StopAsync(cancellationToken);
        var sent = await peer.ExpectCloseAsync(cancellationToken);
        await peer.SendCloseAsync(CloseCode.NormalClosure, "", cancellationToken);
        await peer.CompleteAsync();
        await stopping;

        Assert.That(sent?.Code, Is.EqualTo(CloseCode.NormalClosure));
        Assert.That(client.State, Is.EqualTo(ClientState.Closed));
        Assert.That(log.OfType<ClientReconnecting>(), Is.Empty);
        Assert.That(log.OfType<ClientClosed>().Single().Error, Is.Null);
        Assert.That(connector.Calls, Is.EqualTo(1));
    }

    [Test, CancelAfter(10_000)]
    public async Task Start_HandshakeRefusedWith401_FailsWithoutRetrying(CancellationToken cancellationToken)
    {
        var clock = new TestScheduler();
        var (client, connector) = FakeConnector.CreateClient(clock);
        await using var _ = connector;
        var refusal = new HandshakeException("WebSocket handshake rejected: HTTP 401 Unauthorized", 401, null, null, isTransient: false);
        connector.Failure = _ => refusal;

        var error = await Assert.ThrowsAsync<HandshakeException>(() => client.StartAsync(cancellationToken));

        Assert.That(error, Is.SameAs(refusal));
        Assert.That(client.State, Is.EqualTo(ClientState.Closed));
        Assert.That(connector.Calls, Is.EqualTo(1));
    }

    [Test, CancelAfter(10_000)]
    public async Task Pipeline_UserSupplied_ExecutesTheAttempts(CancellationToken cancellationToken)
    {
        var clock = new TestScheduler();
        var pipeline = new ResiliencePipelineBuilder { TimeProvider = new RxSockets.Reactive.SchedulerTimeProvider(clock) }
            .AddRetry(new Polly.Retry.RetryStrategyOptions { MaxRetryAttempts = 2, Delay = TimeSpan.FromSeconds(7), BackoffType = DelayBackoffType.Constant })
            .Build();
        var (client, connector) = FakeConnector.CreateClient(clock, reconnect: new ReconnectOptions { Pipeline = pipeline });
        await using var _ = connector;
        connector.Failure = i => i == 0 ? null : FakeConnector.Refused();
        var log = EventLog.Of(client);
        await client.StartAsync(cancellationToken);

        await (await connector.NextPeerAsync(cancellationToken)).CompleteAsync();
        await clock.StepAsync(cancellationToken);
        await log.WaitForAsync<ClientReconnectFailed>(1, cancellationToken);
        await clock.StepAsync(cancellationToken);
        var gaveUp = await log.WaitForAsync<ClientGaveUp>(1, cancellationToken);

        Assert.That(connector.Attempts.Skip(1).Select(a => a.Time), Is.EqualTo(new[] { DateTimeOffset.MinValue.AddSeconds(7), DateTimeOffset.MinValue.AddSeconds(14) }));
        Assert.That(log.OfType<ClientReconnecting>().Select(r => r.Delay), Is.EqualTo(new[] { TimeSpan.FromSeconds(7), TimeSpan.FromSeconds(7) }));
        Assert.That(gaveUp.Attempts, Is.EqualTo(2));
    }

    private static long Seconds(int seconds) => TimeSpan.FromSeconds(seconds).Ticks;
}
