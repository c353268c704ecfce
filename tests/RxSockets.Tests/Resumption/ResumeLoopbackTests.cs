using Microsoft.Reactive.Testing;
using RxSockets.Resumption;
using RxSockets.Tests.Support;

namespace RxSockets.Tests.Resumption;

public class ResumeLoopbackTests
{
    [Test, CancelAfter(20_000)]
    public async Task Resume_ClientDropsAndReconnects_SessionContinuesAndBothSidesReplayWhatWasMissed(CancellationToken cancellationToken)
    {
        await using var server = await WebSocketServer.StartAsync(ServerOptions(new ResumeOptions()), cancellationToken);
        var driver = Driver(server, new ResumeOptions());
        var sessions = server.AcceptAllSessionsAsync(cancellationToken).GetAsyncEnumerator(cancellationToken);
        var (first, firstResumed) = await driver.ConnectAsync(cancellationToken);
        await sessions.MoveNextAsync();
        var session = sessions.Current;
        await using var serverReader = session.ReadAllAsync(cancellationToken).GetAsyncEnumerator(cancellationToken);
        await driver.SendAsync(first, Message.Text("c1"), cancellationToken);
        await serverReader.MoveNextAsync();
        var serverGotFirst = serverReader.Current;
        await session.SendAsync("s1", cancellationToken);
        var clientGotFirst = await driver.ReadAsync(first, 1, cancellationToken);

        driver.Layer.WrapOutgoing(Message.Text("c2"));   // numbered, then lost with the connection
        await driver.DropAsync(first);
        await Until.TrueAsync(() => session.Connection is null, cancellationToken);
        await session.SendAsync("s2", cancellationToken);
        await session.SendAsync(Message.Binary(new byte[] { 3 }), cancellationToken);
        var (second, secondResumed) = await driver.ConnectAsync(cancellationToken);
        await using var _ = second;
        var clientGotMissed = await driver.ReadAsync(second, 2, cancellationToken);
        await serverReader.MoveNextAsync();
        var serverGotMissed = serverReader.Current;

        Assert.That(firstResumed, Is.False);
        Assert.That(secondResumed, Is.True);
        Assert.That(serverGotFirst, Is.EqualTo(Message.Text("c1")));
        Assert.That(clientGotFirst, Is.EqualTo(new[] { Message.Text("s1") }));
        Assert.That(clientGotMissed, Is.EqualTo(new[] { Message.Text("s2"), Message.Binary(new byte[] { 3 }) }));
        Assert.That(serverGotMissed, Is.EqualTo(Message.Text("c2")));
        Assert.That(session.ResumeCount, Is.EqualTo(1));
        Assert.That(second.SubProtocol, Is.EqualTo(ResumeProtocol.Name));
    }

    [Test, CancelAfter(20_000)]
    public async Task Resume_ServerWithoutResume_EveryConnectionIsFreshAndMessagesPassUntouched(CancellationToken cancellationToken)
    {
        await using var server = await WebSocketServer.StartAsync(new WebSocketServerOptions(), cancellationToken);
        var echo = EchoAsync(server, cancellationToken);
        var driver = Driver(server, new ResumeOptions());

        var (first, firstResumed) = await driver.ConnectAsync(cancellationToken);
        await driver.SendAsync(first, Message.Text("one"), cancellationToken);
        var firstEcho = await driver.ReadAsync(first, 1, cancellationToken);
        await driver.DropAsync(first);
        var (second, secondResumed) = await driver.ConnectAsync(cancellationToken);
        await using var _ = second;
        var wrapped = driver.Layer.WrapOutgoing(Message.Text("two"));

        Assert.That(firstResumed, Is.False);
        Assert.That(secondResumed, Is.False);
        Assert.That(second.SubProtocol, Is.Null);
        Assert.That(firstEcho, Is.EqualTo(new[] { Message.Text("one") }));
        Assert.That(wrapped, Is.EqualTo(Message.Text("two")));
        await second.CloseAsync(cancellationToken: cancellationToken);
        await server.StopAsync(cancellationToken);
        await echo;
    }

    [Test, CancelAfter(20_000)]
    public async Task Resume_ClientAwayLongerThanSessionTimeout_SessionExpiresAndClientGetsFreshSession(CancellationToken cancellationToken)
    {
        var clock = new TestScheduler();
        var options = ServerOptions(new ResumeOptions { SessionTimeout = TimeSpan.FromSeconds(30) });
        options.Scheduler = clock;
        await using var server = await WebSocketServer.StartAsync(options, cancellationToken);
        var driver = Driver(server, new ResumeOptions());
        var sessions = server.AcceptAllSessionsAsync(cancellationToken).GetAsyncEnumerator(cancellationToken);
        var (first, _) = await driver.ConnectAsync(cancellationToken);
        await sessions.MoveNextAsync();
        var expired = sessions.Current;
        await driver.DropAsync(first);
        await Until.TrueAsync(() => expired.Connection is null, cancellationToken);

        clock.AdvanceBy(TimeSpan.FromSeconds(29));
        var aliveBeforeTimeout = !expired.Completion.IsCompleted;
        clock.AdvanceBy(TimeSpan.FromSeconds(2));
        var (second, resumed) = await driver.ConnectAsync(cancellationToken);
        await using var _ = second;
        await sessions.MoveNextAsync();

        Assert.That(aliveBeforeTimeout, Is.True);
        Assert.That(async () => await expired.Completion, Throws.InstanceOf<TimeoutException>());
        Assert.That(resumed, Is.False);
        Assert.That(sessions.Current.Id, Is.Not.EqualTo(expired.Id));
    }

    [Test, CancelAfter(20_000)]
    public async Task Resume_ServerLogOverflowedWhileClientAway_ClientGetsFreshSessionAndOldSessionFails(CancellationToken cancellationToken)
    {
        await using var server = await WebSocketServer.StartAsync(ServerOptions(new ResumeOptions { MaxReplayMessages = 2 }), cancellationToken);
        var driver = Driver(server, new ResumeOptions());
        var sessions = server.AcceptAllSessionsAsync(cancellationToken).GetAsyncEnumerator(cancellationToken);
        var (first, _) = await driver.ConnectAsync(cancellationToken);
        await sessions.MoveNextAsync();
        var overflowed = sessions.Current;
        await driver.DropAsync(first);
        await Until.TrueAsync(() => overflowed.Connection is null, cancellationToken);

        for (var i = 1; i <= 3; i++)
        {
            await overflowed.SendAsync($"{i}", cancellationToken);
        }

        var (second, resumed) = await driver.ConnectAsync(cancellationToken);
        await using var _ = second;

        Assert.That(resumed, Is.False);
        Assert.That(async () => await overflowed.Completion, Throws.InstanceOf<ConnectionClosedException>());
    }

    [Test, CancelAfter(20_000)]
    public async Task CloseAsync_AfterSends_WaitsForAcksThenClosesWithCode(CancellationToken cancellationToken)
    {
        await using var server = await WebSocketServer.StartAsync(ServerOptions(new ResumeOptions()), cancellationToken);
        var driver = Driver(server, new ResumeOptions { AckInterval = TimeSpan.FromMilliseconds(20) });
        var sessions = server.AcceptAllSessionsAsync(cancellationToken).GetAsyncEnumerator(cancellationToken);
        var (connection, _) = await driver.ConnectAsync(cancellationToken);
        await using var _ = connection;
        await sessions.MoveNextAsync();
        var session = sessions.Current;

        await session.SendAsync("last", cancellationToken);
        var closing = session.CloseAsync(CloseCode.NormalClosure, "done", cancellationToken);
        var received = await driver.ReadAsync(connection, 1, cancellationToken);
        await closing;
        await connection.Completion.WaitAsync(cancellationToken);

        Assert.That(received, Is.EqualTo(new[] { Message.Text("last") }));
        Assert.That(connection.CloseStatus, Is.EqualTo(new CloseStatus(CloseCode.NormalClosure, "done")));
        Assert.That(session.Completion.Status, Is.EqualTo(TaskStatus.RanToCompletion), session.Completion.Exception?.ToString());
    }

    [Test, CancelAfter(20_000)]
    public async Task Resume_ClientBackBeforeServerNoticedTheDrop_NewConnectionTakesOverTheSession(CancellationToken cancellationToken)
    {
        await using var server = await WebSocketServer.StartAsync(ServerOptions(new ResumeOptions()), cancellationToken);
        var driver = Driver(server, new ResumeOptions());
        var sessions = server.AcceptAllSessionsAsync(cancellationToken).GetAsyncEnumerator(cancellationToken);
        var (halfOpen, _) = await driver.ConnectAsync(cancellationToken);
        await using var _ = halfOpen;
        await sessions.MoveNextAsync();
        var session = sessions.Current;
        var stale = session.Connection;
        driver.Layer.Detach();   // the client thinks the connection is gone; the server does not know yet

        var (second, resumed) = await driver.ConnectAsync(cancellationToken);
        await using var __ = second;
        var staleEnded = await EndedAsync(halfOpen, cancellationToken);

        // The server's side of the stale connection ends on its own loop, after the client's side may have: wait for it
        // (it was asserted at once before, which raced the server's read of the client's close).
        var staleServerEnded = stale is not null && await EndedAsync(stale, cancellationToken);
        await session.SendAsync("after takeover", cancellationToken);
        var received = await driver.ReadAsync(second, 1, cancellationToken);

        Assert.That(resumed, Is.True);
        Assert.That(staleEnded, Is.True);
        Assert.That(staleServerEnded, Is.True, "the server closed the stale connection");
        Assert.That(session.Connection, Is.Not.Null.And.Not.SameAs(stale));
        Assert.That(received, Is.EqualTo(new[] { Message.Text("after takeover") }));
    }

    [Test, CancelAfter(20_000)]
    public async Task Ack_ClientAckInterval_OnClientScheduler_AcknowledgesSoServerCloseCompletes(CancellationToken cancellationToken)
    {
        await using var server = await WebSocketServer.StartAsync(ServerOptions(new ResumeOptions()), cancellationToken);
        var clock = new TestScheduler();
        var resume = new ResumeOptions { AckEvery = 1000, AckInterval = TimeSpan.FromSeconds(1) };
        var layer = new ResumeLayer(resume, clock);
        var driver = new ResumeDriver(server.Url, layer, () => new WebSocketClientOptions { KeepAliveInterval = Timeout.InfiniteTimeSpan });
        var sessions = server.AcceptAllSessionsAsync(cancellationToken).GetAsyncEnumerator(cancellationToken);
        var (connection, _) = await driver.ConnectAsync(cancellationToken);
        await using var _ = connection;
        await sessions.MoveNextAsync();
        var session = sessions.Current;
        await session.SendAsync("unacknowledged", cancellationToken);
        var received = await driver.ReadAsync(connection, 1, cancellationToken);

        var closing = session.CloseAsync(cancellationToken: cancellationToken);
        var closedBeforeAck = closing.IsCompleted;
        clock.AdvanceBy(TimeSpan.FromSeconds(1));
        await closing;

        Assert.That(received, Has.Count.EqualTo(1));
        Assert.That(closedBeforeAck, Is.False);
        Assert.That(session.Completion.Status, Is.EqualTo(TaskStatus.RanToCompletion));
    }

    private static async Task<bool> EndedAsync(WebSocketConnection connection, CancellationToken cancellationToken)
    {
        try
        {
            await connection.Completion.WaitAsync(cancellationToken);
        }
        catch (ConnectionClosedException)
        {
            // Aborted by the server's takeover, as expected.
        }

        return connection.State == ConnectionState.Closed;
    }

    private static WebSocketServerOptions ServerOptions(ResumeOptions resume) => new()
    {
        Resume = resume,
        KeepAliveInterval = Timeout.InfiniteTimeSpan,
    };

    private static ResumeDriver Driver(WebSocketServer server, ResumeOptions resume)
    {
        var options = new WebSocketClientOptions { Resume = resume, KeepAliveInterval = Timeout.InfiniteTimeSpan };
        return new ResumeDriver(server.Url, ResumeLayer.Create(options.Resume, options.Scheduler)!, () => new WebSocketClientOptions { KeepAliveInterval = Timeout.InfiniteTimeSpan });
    }

    private static async Task EchoAsync(WebSocketServer server, CancellationToken cancellationToken)
    {
        await foreach (var connection in server.AcceptAllAsync(cancellationToken))
        {
            _ = Task.Run(async () =>
            {
                try
                {
                    await foreach (var message in connection.ReadAllAsync(cancellationToken))
                    {
                        await connection.SendAsync(message, cancellationToken);
                    }
                }
                catch (ConnectionClosedException)
                {
                    // Dropped by the test on purpose.
                }
            }, cancellationToken);
        }
    }
}
