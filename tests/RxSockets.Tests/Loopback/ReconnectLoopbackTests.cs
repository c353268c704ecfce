using System.Threading.Channels;
using Microsoft.Reactive.Testing;
using RxSockets.Tests.Client;
using RxSockets.Tests.Support;

namespace RxSockets.Tests.Loopback;

public class ReconnectLoopbackTests
{
    private static readonly ReconnectOptions s_fast = new() { ReconnectDelay = TimeSpan.FromMilliseconds(20), MaxReconnectDelay = TimeSpan.FromMilliseconds(100) };

    [Test, CancelAfter(20_000)]
    public async Task Client_ServerRestartsOnTheSamePort_ReconnectsAndBothStreamsContinueInOrder(CancellationToken cancellationToken)
    {
        var first = await WebSocketServer.StartAsync(new WebSocketServerOptions(), cancellationToken);
        var port = first.LocalEndPoint.Port;
        var received = Channel.CreateUnbounded<string>();
        var serving = ServeAsync(first, ["1", "2"], received, cancellationToken);
        await using var client = new WebSocketClient(first.Url, reconnect: s_fast);
        var log = EventLog.Of(client);
        await client.StartAsync(cancellationToken);
        var texts = new List<string>();
        await using var reading = client.ReadAllAsync(cancellationToken).GetAsyncEnumerator(cancellationToken);
        for (var i = 0; i < 2 && await reading.MoveNextAsync(); i++)
        {
            texts.Add(reading.Current.GetText());
        }

        await first.DisposeAsync();
        await serving;
        await log.WaitForAsync<ClientDisconnected>(1, cancellationToken);
        await client.SendAsync("queued-1", cancellationToken);
        await client.SendAsync("queued-2", cancellationToken);
        await using var second = await WebSocketServer.StartAsync(new WebSocketServerOptions { Port = port }, cancellationToken);
        var servingAgain = ServeAsync(second, ["3"], received, cancellationToken);
        await reading.MoveNextAsync();
        texts.Add(reading.Current.GetText());
        var atServer = new[] { await received.Reader.ReadAsync(cancellationToken), await received.Reader.ReadAsync(cancellationToken) };
        var reconnected = await log.WaitForAsync<ClientReconnected>(1, cancellationToken);

        Assert.That(texts, Is.EqualTo(new[] { "1", "2", "3" }));
        Assert.That(atServer, Is.EqualTo(new[] { "queued-1", "queued-2" }));
        Assert.That(log.OfType<ClientDisconnected>()[0].Reason.Code, Is.EqualTo(CloseCode.GoingAway));
        Assert.That(reconnected.Resumed, Is.False);
        await client.StopAsync(cancellationToken);
        await servingAgain;
    }

    [Test, CancelAfter(10_000)]
    public async Task Server_ClientStopsAnsweringPings_DropsItAfterIntervalPlusTimeout(CancellationToken cancellationToken)
    {
        var clock = new TestScheduler();
        var options = new WebSocketServerOptions { Scheduler = clock, KeepAliveInterval = TimeSpan.FromSeconds(5), KeepAliveTimeout = TimeSpan.FromSeconds(5) };
        await using var server = await WebSocketServer.StartAsync(options, cancellationToken);
        var accepted = InMemory.NextAsync(server.Connections, cancellationToken);
        var (tcp, _) = await RawHttp.UpgradeAsync(server.LocalEndPoint, cancellationToken);
        using var __ = tcp;
        var connection = await accepted;
        var countWhileAlive = server.ClientCount;

        clock.AdvanceTo(TimeSpan.FromSeconds(9));
        var stateAt9 = connection.State;
        clock.AdvanceTo(TimeSpan.FromSeconds(11));
        var error = await Assert.ThrowsAsync<ConnectionClosedException>(() => connection.Completion.WaitAsync(cancellationToken));
        await Until.TrueAsync(() => server.ClientCount == 0, cancellationToken);

        Assert.That(countWhileAlive, Is.EqualTo(1));
        Assert.That(stateAt9, Is.EqualTo(ConnectionState.Open));
        Assert.That(error?.InnerException, Is.InstanceOf<TimeoutException>());
        Assert.That(error?.Code, Is.EqualTo(CloseCode.AbnormalClosure));
        Assert.That(server.Clients, Is.Empty);
    }

    private static Task ServeAsync(WebSocketServer server, string[] texts, Channel<string> received, CancellationToken cancellationToken) => Task.Run(async () =>
    {
        await foreach (var connection in server.AcceptAllAsync(cancellationToken))
        {
            foreach (var text in texts)
            {
                await connection.SendAsync(text, cancellationToken);
            }

            try
            {
                await foreach (var message in connection.ReadAllAsync(cancellationToken))
                {
                    await received.Writer.WriteAsync(message.GetText(), cancellationToken);
                }
            }
            catch (ConnectionClosedException)
            {
                // The server stopped under it.
            }

            return;
        }
    }, cancellationToken);
}
