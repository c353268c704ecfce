using System.Net;
using System.Reactive.Linq;
using System.Reactive.Threading.Tasks;
using Microsoft.Reactive.Testing;

namespace RxSockets.Testing.Tests;

/// <summary>The proxy between a real client connection and a real server on loopback.</summary>
public class FaultProxyTests : ReactiveTest
{
    [Test, CancelAfter(10_000)]
    public async Task Proxy_Clean_ForwardsBothWays(CancellationToken cancellationToken)
    {
        await using var server = await WebSocketServer.StartAsync(new WebSocketServerOptions(), cancellationToken);
        using var echo = server.Connections.Subscribe(c => c.Incoming.Subscribe(c.Outgoing));
        await using var proxy = new FaultProxy(server.LocalEndPoint);
        await using var client = await WebSocketConnection.ConnectAsync(proxy.Rewrite(server.Url), cancellationToken: cancellationToken);
        var echoed = client.Incoming.FirstAsync().ToTask(cancellationToken);

        await client.SendAsync("through the proxy", cancellationToken);

        Assert.That((await echoed).GetText(), Is.EqualTo("through the proxy"));
        Assert.That(proxy.Accepted, Is.EqualTo(1));
    }

    [Test, CancelAfter(10_000)]
    public async Task Cut_ResetsTheConnection_TheClientClosesAbnormally(CancellationToken cancellationToken)
    {
        await using var server = await WebSocketServer.StartAsync(new WebSocketServerOptions(), cancellationToken);
        await using var proxy = new FaultProxy(server.LocalEndPoint);
        await using var client = await WebSocketConnection.ConnectAsync(proxy.Rewrite(server.Url), cancellationToken: cancellationToken);

        proxy.Cut();

        var error = await Assert.ThrowsAsync<ConnectionClosedException>(() => client.Completion.WaitAsync(cancellationToken));
        Assert.That(error.Code, Is.EqualTo(CloseCode.AbnormalClosure));
    }

    [Test, CancelAfter(10_000)]
    public async Task RefuseConnections_AnAttemptFails_AcceptConnections_ThenOneSucceeds(CancellationToken cancellationToken)
    {
        await using var server = await WebSocketServer.StartAsync(new WebSocketServerOptions(), cancellationToken);
        await using var proxy = new FaultProxy(server.LocalEndPoint);
        proxy.RefuseConnections();

        var refused = await Assert.CatchAsync(async () => await WebSocketConnection.ConnectAsync(proxy.Rewrite(server.Url), cancellationToken: cancellationToken));
        proxy.AcceptConnections();
        await using var client = await WebSocketConnection.ConnectAsync(proxy.Rewrite(server.Url), cancellationToken: cancellationToken);

        Assert.That(ReconnectOptions.IsTransient(refused!), Is.True, "a reconnecting client would try again");
        Assert.That(client.State, Is.EqualTo(ConnectionState.Open));
        Assert.That(proxy.Accepted, Is.EqualTo(2));
    }

    [Test, CancelAfter(10_000)]
    public async Task Stall_TheServersKeepaliveDeclaresTheSilentClientDeadOnVirtualTime(CancellationToken cancellationToken)
    {
        var clock = new TestScheduler();
        var timers = new WatchedScheduler(clock);
        var interval = TimeSpan.FromSeconds(10);
        var options = new WebSocketServerOptions { KeepAliveInterval = interval, KeepAliveTimeout = TimeSpan.FromSeconds(5) }.UseScheduler(timers);
        await using var server = await WebSocketServer.StartAsync(options, cancellationToken);
        var accepted = server.Connections.FirstAsync().ToTask(cancellationToken);
        await using var proxy = new FaultProxy(server.LocalEndPoint);
        await using var client = await WebSocketConnection.ConnectAsync(proxy.Rewrite(server.Url),
            new WebSocketClientOptions { KeepAliveInterval = Timeout.InfiniteTimeSpan }, cancellationToken);
        var onServer = await accepted;
        var states = clock.CreateObserver<ConnectionState>();
        using var recording = onServer.States.Subscribe(states);

        proxy.Stall();                                                     // the client's pong will not get through
        await timers.WaitForTimerAsync(interval, cancellationToken);       // the server's keepalive is armed
        clock.AdvanceBy(interval.Ticks);                                   // it pings
        await timers.WaitForTimerAsync(TimeSpan.FromSeconds(5), cancellationToken);   // and waits 5 s for an answer
        clock.AdvanceBy(TimeSpan.FromSeconds(5).Ticks);
        await Assert.ThrowsAsync<ConnectionClosedException>(() => onServer.Completion.WaitAsync(cancellationToken));

        Assert.That(states.Messages[0], Is.EqualTo(OnNext(0, ConnectionState.Open)));
        Assert.That(states.Messages[1], Is.EqualTo(OnNext(TimeSpan.FromSeconds(15).Ticks, ConnectionState.Closed)));
        Assert.That(proxy.IsStalled, Is.True);
        proxy.Cut();   // the client's own close would wait its (real) close timeout behind the stall
    }

    [Test]
    public void Proxy_NotLoopback_Throws()
    {
        var error = Assert.Throws<ArgumentException>(() => _ = new FaultProxy(new IPEndPoint(IPAddress.Parse("192.0.2.1"), 80)));

        Assert.That(error.ParamName, Is.EqualTo("upstream"));
    }
}
