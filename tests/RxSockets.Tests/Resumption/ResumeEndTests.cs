using System.Reactive.Linq;
using System.Reactive.Threading.Tasks;
using System.Threading.Channels;
using Microsoft.Reactive.Testing;
using RxSockets.Resumption;
using RxSockets.Tests.Support;

namespace RxSockets.Tests.Resumption;

/// <summary>The end of a session the server ended survives the loss of its close: a client that comes back is told
/// how it ended (normally or failed) instead of resuming it or being given a fresh session.</summary>
public class ResumeEndTests
{
    [Test, CancelAfter(20_000)]
    public async Task CloseAsync_WhileClientAway_ClientComingBackIsToldTheSessionEndedNormally(CancellationToken cancellationToken)
    {
        await using var server = await WebSocketServer.StartAsync(ServerOptions(new ResumeOptions()), cancellationToken);
        var (driver, _, first, session) = await OpenSessionAsync(server, cancellationToken);
        await driver.DropAsync(first);   // the close below is lost with the connection
        await Until.TrueAsync(() => session.Connection is null, cancellationToken);

        await session.CloseAsync(CloseCode.NormalClosure, "done", cancellationToken);
        var told = await Assert.ThrowsAsync<SessionEndedException>(async () => await driver.ConnectAsync(cancellationToken));

        Assert.That(session.Completion.Status, Is.EqualTo(TaskStatus.RanToCompletion));
        Assert.That(told?.Status, Is.EqualTo(new CloseStatus(CloseCode.NormalClosure, "done")));
        Assert.That(told?.Normal, Is.True);
        Assert.That(((ResumeLayer)driver.Layer).SessionId, Is.Empty, "the ended session is forgotten");
    }

    [Test, CancelAfter(20_000)]
    public async Task FailAsync_ClientConnected_ClosesWith1011AndComingBackIsToldTheSessionFailed(CancellationToken cancellationToken)
    {
        await using var server = await WebSocketServer.StartAsync(ServerOptions(new ResumeOptions()), cancellationToken);
        var (driver, _, first, session) = await OpenSessionAsync(server, cancellationToken);
        await using var _ = first;
        await session.SendAsync("unacknowledged", cancellationToken);

        await session.FailAsync("handler failed", cancellationToken);
        await first.Completion.WaitAsync(cancellationToken);
        driver.Layer.Detach();
        var told = await Assert.ThrowsAsync<SessionEndedException>(async () => await driver.ConnectAsync(cancellationToken));

        Assert.That(first.CloseStatus, Is.EqualTo(new CloseStatus(CloseCode.InternalError, "handler failed")));
        Assert.That(async () => await session.Completion, Throws.InstanceOf<ConnectionClosedException>());
        Assert.That(async () => await session.SendAsync("after", cancellationToken), Throws.InstanceOf<ConnectionClosedException>());
        Assert.That(told?.Status, Is.EqualTo(new CloseStatus(CloseCode.InternalError, "handler failed")));
        Assert.That(told?.Normal, Is.False);
    }

    [Test, CancelAfter(20_000)]
    public async Task EndedSession_RememberedForSessionTimeoutOnTheServerClock_ThenAComingBackClientGetsAFreshSession(CancellationToken cancellationToken)
    {
        var clock = new TestScheduler();
        var options = ServerOptions(new ResumeOptions { SessionTimeout = TimeSpan.FromSeconds(30) });
        options.Scheduler = clock;
        await using var server = await WebSocketServer.StartAsync(options, cancellationToken);
        var (driver, sessions, first, ended) = await OpenSessionAsync(server, cancellationToken);
        await driver.DropAsync(first);
        await Until.TrueAsync(() => ended.Connection is null, cancellationToken);
        await ended.FailAsync("broken", cancellationToken);
        var sessionId = ((ResumeLayer)driver.Layer).SessionId;

        clock.AdvanceBy(TimeSpan.FromSeconds(29));
        var (probe, _) = await ConnectRawAsync(server, ResumeProtocol.Name, sessionId, cancellationToken);
        await using var __ = probe;
        var toldBeforeTimeout = await ReadTextAsync(probe, cancellationToken);
        clock.AdvanceBy(TimeSpan.FromSeconds(2));
        var (second, resumed) = await driver.ConnectAsync(cancellationToken);
        await using var _ = second;
        await sessions.MoveNextAsync();

        Assert.That(toldBeforeTimeout, Is.EqualTo($"w{sessionId}:0:e1011"));
        Assert.That(resumed, Is.False);
        Assert.That(sessions.Current.Id, Is.Not.EqualTo(ended.Id));
    }

    [Test, CancelAfter(20_000)]
    public async Task EndedSession_V1ClientComingBack_IsClosedWithTheSessionsCodeAndNoWelcome(CancellationToken cancellationToken)
    {
        await using var server = await WebSocketServer.StartAsync(ServerOptions(new ResumeOptions()), cancellationToken);
        var (driver, _, first, session) = await OpenSessionAsync(server, cancellationToken);
        var sessionId = ((ResumeLayer)driver.Layer).SessionId;
        await driver.DropAsync(first);
        await Until.TrueAsync(() => session.Connection is null, cancellationToken);
        await session.CloseAsync(CloseCode.NormalClosure, "done", cancellationToken);

        var (legacy, subProtocol) = await ConnectRawAsync(server, ResumeProtocol.LegacyName, sessionId, cancellationToken);
        await using var _ = legacy;
        var messages = await legacy.ReadAllAsync(cancellationToken).CountAsync(cancellationToken);

        Assert.That(subProtocol, Is.EqualTo(ResumeProtocol.LegacyName));
        Assert.That(messages, Is.Zero);
        Assert.That(legacy.CloseStatus, Is.EqualTo(new CloseStatus(CloseCode.NormalClosure, "done")));
    }

    [TestCase(CloseCode.NormalClosure, "done")]
    [TestCase(CloseCode.InternalError, "handler failed")]
    public async Task WebSocketClient_SessionEndedWhileAway_StopsWithoutReconnectingAndReportsTheEnd(CloseCode code, string reason)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var cancellationToken = timeout.Token;
        await using var server = await WebSocketServer.StartAsync(ServerOptions(new ResumeOptions()), cancellationToken);
        var sessions = server.AcceptAllSessionsAsync(cancellationToken).GetAsyncEnumerator(cancellationToken);
        var clock = new TestScheduler();   // the client's: its reconnect waits until the test steps it
        await using var client = new WebSocketClient(server.Url,
            new WebSocketClientOptions { Resume = new ResumeOptions(), KeepAliveInterval = Timeout.InfiniteTimeSpan, Scheduler = clock },
            new ReconnectOptions { ReconnectDelay = TimeSpan.FromSeconds(1), ShouldReconnect = _ => true });   // a policy that would retry anything
        var closed = client.Events.OfType<ClientClosed>().FirstAsync().ToTask(cancellationToken);
        var attempts = 0;
        using var counting = client.Events.OfType<ClientConnecting>().Subscribe(_ => Interlocked.Increment(ref attempts));
        var reconnecting = Channel.CreateUnbounded<ClientReconnecting>();
        using var announcing = client.Events.OfType<ClientReconnecting>().Subscribe(e => reconnecting.Writer.TryWrite(e));
        await client.StartAsync(cancellationToken);
        await sessions.MoveNextAsync();
        var session = sessions.Current;

        // The connection drops and the server ends the session before the client is back: the close is never seen.
        session.Connection?.Abort();
        await Until.TrueAsync(() => session.Connection is null, cancellationToken);
        await (code == CloseCode.NormalClosure ? session.CloseAsync(code, reason, cancellationToken) : session.FailAsync(reason, cancellationToken));

        // Each reconnect is announced, then waits for its delay on the client's clock: the clock moves once per
        // announcement, to that delay's timer, and never while an attempt is in flight (its handshake deadline is on
        // the same clock). A client that kept reconnecting shows in the count, bounded by the steps.
        for (var step = 0; step < 5 && !closed.IsCompleted; step++)
        {
            var announced = reconnecting.Reader.ReadAsync(cancellationToken).AsTask();
            if (await Task.WhenAny(closed, announced) == closed)
            {
                break;
            }

            var before = clock.Elapsed;
            var delay = (await announced).Delay;
            Assert.That(await clock.StepAsync(cancellationToken) - before, Is.EqualTo(delay), "the clock stepped to the reconnect delay");
        }

        var end = await closed.WaitAsync(cancellationToken);

        Assert.That(end.Status, Is.EqualTo(new CloseStatus(code, reason)));
        Assert.That(end.Error, code == CloseCode.NormalClosure ? Is.Null : Is.InstanceOf<ConnectionClosedException>());
        Assert.That(end.Error?.Message, code == CloseCode.NormalClosure ? Is.Null : Does.Contain("1011 handler failed"));
        Assert.That(client.State, Is.EqualTo(ClientState.Closed));
        Assert.That(Volatile.Read(ref attempts), Is.EqualTo(2), "the first connection, then one attempt that was told the end");
    }

    private static async Task<(WebSocketConnection Connection, string? SubProtocol)> ConnectRawAsync(WebSocketServer server, string subProtocol, string sessionId,
        CancellationToken cancellationToken)
    {
        var options = new WebSocketClientOptions { KeepAliveInterval = Timeout.InfiniteTimeSpan };
        options.SubProtocols.Add(subProtocol);
        var connection = await WebSocketConnection.ConnectAsync(server.Url, options, cancellationToken);
        await connection.SendAsync(ResumeEnvelope.Hello(sessionId, 0, 1), cancellationToken);
        return (connection, connection.SubProtocol);
    }

    private static async Task<string?> ReadTextAsync(WebSocketConnection connection, CancellationToken cancellationToken)
    {
        await foreach (var message in connection.ReadAllAsync(cancellationToken))
        {
            return message.GetText();
        }

        return null;
    }

    /// <summary>A resumable client (driven step by step) connected to <paramref name="server"/>: its first connection and
    /// the server's session for it.</summary>
    private static async Task<(ResumeDriver Driver, IAsyncEnumerator<ResumableSession> Sessions, WebSocketConnection First, ResumableSession Session)>
        OpenSessionAsync(WebSocketServer server, CancellationToken cancellationToken)
    {
        var driver = Driver(server);
        var sessions = server.AcceptAllSessionsAsync(cancellationToken).GetAsyncEnumerator(cancellationToken);
        var (first, _) = await driver.ConnectAsync(cancellationToken);
        await sessions.MoveNextAsync();
        return (driver, sessions, first, sessions.Current);
    }

    private static WebSocketServerOptions ServerOptions(ResumeOptions resume) => new()
    {
        Resume = resume,
        KeepAliveInterval = Timeout.InfiniteTimeSpan,
    };

    private static ResumeDriver Driver(WebSocketServer server)
    {
        var options = new WebSocketClientOptions { Resume = new ResumeOptions(), KeepAliveInterval = Timeout.InfiniteTimeSpan };
        return new ResumeDriver(server.Url, ResumeLayer.Create(options.Resume, options.Scheduler)!, () => new WebSocketClientOptions { KeepAliveInterval = Timeout.InfiniteTimeSpan });
    }
}
