using System.Reactive.Linq;
using System.Threading.Channels;
using Microsoft.Reactive.Testing;

namespace RxSockets.Testing.Tests;

/// <summary>
/// A reconnecting <see cref="WebSocketClient"/> (it connects by URL) tested the way a user would: a real server on
/// loopback, a <see cref="FaultProxy"/> in between that cuts the connection and refuses new ones, and every timer of
/// the client on Microsoft.Reactive.Testing's TestScheduler, watched so the test moves time only once the backoff
/// delay is armed. The attempts are recorded with their virtual times.
/// </summary>
public class ReconnectExampleTests : ReactiveTest
{
    [Test, CancelAfter(10_000)]
    public async Task Client_ServerUnreachable_BacksOffOneTwoFourSecondsThenReconnects(CancellationToken cancellationToken)
    {
        var clock = new TestScheduler();
        var timers = new WatchedScheduler(clock);
        await using var server = await WebSocketServer.StartAsync(new WebSocketServerOptions(), cancellationToken);   // 127.0.0.1, a free port
        await using var proxy = new FaultProxy(server.LocalEndPoint);
        var options = new WebSocketClientOptions { KeepAliveInterval = Timeout.InfiniteTimeSpan }.UseScheduler(timers);
        var reconnect = new ReconnectOptions { ReconnectDelay = TimeSpan.FromSeconds(1), MaxReconnectDelay = TimeSpan.FromMinutes(1) };
        await using var client = new WebSocketClient(proxy.Rewrite(server.Url), options, reconnect);
        var attempts = clock.CreateObserver<int>();
        using var recording = client.Events.OfType<ClientConnecting>().Select(e => e.Attempt).Subscribe(attempts);
        var events = Channel.CreateUnbounded<ClientEvent>();
        using var feed = client.Events.Subscribe(e => events.Writer.TryWrite(e));
        await client.StartAsync(cancellationToken);
        await NextAsync<ClientOpened>(events, cancellationToken);

        proxy.RefuseConnections();   // the server is unreachable...
        proxy.Cut();                 // ...and the connection drops
        for (var attempt = 1; attempt <= 3; attempt++)
        {
            var reconnecting = await NextAsync<ClientReconnecting>(events, cancellationToken);
            await timers.WaitForTimerAsync(reconnecting.Delay, cancellationToken);   // the backoff delay is armed
            if (attempt == 3)
            {
                proxy.AcceptConnections();   // back before the third attempt
            }

            clock.AdvanceBy(reconnecting.Delay.Ticks);
        }

        var reconnected = await NextAsync<ClientReconnected>(events, cancellationToken);

        Assert.That(reconnected.Attempts, Is.EqualTo(3));
        Assert.That(client.State, Is.EqualTo(ClientState.Open));
        Assert.That(attempts.Messages, Is.EqualTo(new[]
        {
            OnNext(0, 0),                                  // the first connection
            OnNext(TimeSpan.FromSeconds(1).Ticks, 1),      // then 1 s, 2 s and 4 s apart
            OnNext(TimeSpan.FromSeconds(3).Ticks, 2),
            OnNext(TimeSpan.FromSeconds(7).Ticks, 3),
        }));
    }

    /// <summary>The next event of type <typeparamref name="T"/>, skipping the others.</summary>
    private static async Task<T> NextAsync<T>(Channel<ClientEvent> events, CancellationToken cancellationToken) where T : ClientEvent
    {
        while (true)
        {
            if (await events.Reader.ReadAsync(cancellationToken) is T found)
            {
                return found;
            }
        }
    }
}
