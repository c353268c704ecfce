using System.Net.Sockets;
using Microsoft.Reactive.Testing;
using RxSockets.Tests.Support;

namespace RxSockets.Tests.Server;

public class WebSocketServerShutdownTests
{
    [Test, CancelAfter(5_000)]
    public async Task StopAsync_HandshakeInProgress_DoesNotWaitForHandshakeTimeout(CancellationToken cancellationToken)
    {
        var server = await WebSocketServer.StartAsync(new WebSocketServerOptions { HandshakeTimeout = TimeSpan.FromMinutes(5) }, cancellationToken);
        using var client = new TcpClient();
        await client.ConnectAsync(server.LocalEndPoint, cancellationToken);
        var reading = RawHttp.ReadToEndAsync(client.GetStream(), cancellationToken);
        // Accepted, so in its handshake: a socket still in the listener's backlog would be reset when it closes.
        await Until.TrueAsync(() => server.PendingHandshakeCount == 1, cancellationToken);

        await server.StopAsync(cancellationToken);

        Assert.That(await reading, Is.Empty);
        Assert.That(server.ClientCount, Is.Zero);
    }

    [Test, CancelAfter(10_000)]
    public async Task StopAsync_ClientNeverEchoesClose_CompletesAtCloseTimeout(CancellationToken cancellationToken)
    {
        var clock = new TestScheduler();
        var server = await WebSocketServer.StartAsync(new WebSocketServerOptions { Scheduler = clock }, cancellationToken);
        var accepted = InMemory.NextAsync(server.Connections, cancellationToken);
        var (client, peer) = await RawHttp.UpgradeAsync(server.LocalEndPoint, cancellationToken);
        using var _ = client;
        var connection = await accepted;

        var stopping = server.StopAsync(cancellationToken).AsTask();
        var close = await peer.ExpectCloseAsync(cancellationToken);
        var stoppedBeforeTimeout = stopping.IsCompleted;
        clock.AdvanceBy(TimeSpan.FromSeconds(10));
        await stopping;

        Assert.That(close?.Code, Is.EqualTo(CloseCode.GoingAway));
        Assert.That(stoppedBeforeTimeout, Is.False);
        var error = await Assert.ThrowsAsync<ConnectionClosedException>(() => connection.Completion.WaitAsync(cancellationToken));
        Assert.That(error?.InnerException, Is.InstanceOf<TimeoutException>());
        await peer.ExpectEndAsync(cancellationToken);
    }

    [Test, CancelAfter(10_000)]
    public async Task StopAsync_CalledTwiceConcurrently_BothComplete(CancellationToken cancellationToken)
    {
        var server = await WebSocketServer.StartAsync(new WebSocketServerOptions(), cancellationToken);
        await using var client = await WebSocketConnection.ConnectAsync(server.Url, cancellationToken: cancellationToken);

        var first = server.StopAsync(cancellationToken).AsTask();
        var second = server.StopAsync(cancellationToken).AsTask();
        await Task.WhenAll(first, second);
        await server.DisposeAsync();

        await client.Completion.WaitAsync(cancellationToken);
        Assert.That(client.CloseStatus?.Code, Is.EqualTo(CloseCode.GoingAway));
    }

    [Test, CancelAfter(10_000)]
    public async Task AcceptAllAsync_ServerStops_EnumerationEnds(CancellationToken cancellationToken)
    {
        var server = await WebSocketServer.StartAsync(new WebSocketServerOptions(), cancellationToken);
        var accepting = Task.Run(async () =>
        {
            var count = 0;
            await foreach (var _ in server.AcceptAllAsync(cancellationToken))
            {
                count++;
            }

            return count;
        }, cancellationToken);
        await using var client = await WebSocketConnection.ConnectAsync(server.Url, cancellationToken: cancellationToken);
        await Until.TrueAsync(() => server.ClientCount == 1, cancellationToken);

        await server.StopAsync(cancellationToken);

        Assert.That(await accepting, Is.EqualTo(1));
    }

    [Test, CancelAfter(10_000)]
    public async Task Connections_SubscribedAfterStop_Completes(CancellationToken cancellationToken)
    {
        var server = await WebSocketServer.StartAsync(new WebSocketServerOptions(), cancellationToken);
        await server.StopAsync(cancellationToken);

        var observer = new RecordingObserver<WebSocketConnection>();
        using var subscription = server.Connections.Subscribe(observer);

        Assert.That(await observer.Terminated.WaitAsync(cancellationToken), Is.Null);
        Assert.That(observer.Values, Is.Empty);
    }
}
