namespace RxSockets.Tests.Server;

/// <summary>
/// Broadcasts made by a connection's consumer on its read loop (a relay, as bench/FanoutServer): the recipients'
/// writers are woken when the read's handling returns to the loop, so a run of messages leaves in one write per
/// recipient. Every message must still arrive, in order, also when the consumer waits between broadcasts (the
/// handling then returns to the loop early, and what was claimed before the wait must go out without the next read).
/// </summary>
public class BroadcastRelayTests
{
    private const int Subscribers = 3;
    private const int Messages = 200;

    [TestCase(false)]
    [TestCase(true)]
    [CancelAfter(20_000)]
    public async Task Relay_PublisherBurst_EverySubscriberGetsEveryMessageInOrder(bool consumerWaits, CancellationToken cancellationToken)
    {
        await using var server = await WebSocketServer.StartAsync(new WebSocketServerOptions { KeepAliveInterval = Timeout.InfiniteTimeSpan }, cancellationToken);
        using var serving = server.Connections.Subscribe(connection => _ = RelayAsync(server, connection, consumerWaits));
        var subscribers = new List<WebSocketConnection>();
        for (var i = 0; i < Subscribers; i++)
        {
            subscribers.Add(await WebSocketConnection.ConnectAsync(server.Url, cancellationToken: cancellationToken));
        }

        await using var publisher = await WebSocketConnection.ConnectAsync(server.Url, cancellationToken: cancellationToken);
        await Support.Until.TrueAsync(() => server.ClientCount == Subscribers + 1, cancellationToken);
        var receiving = subscribers.Select(s => s.ReadAllAsync(cancellationToken).Take(Messages).Select(m => m.Data.Span[0] | (m.Data.Span[1] << 8))
            .ToArrayAsync(cancellationToken).AsTask()).ToArray();

        for (var i = 0; i < Messages; i++)
        {
            await publisher.SendAsync(Message.Binary(new[] { (byte)i, (byte)(i >> 8) }), cancellationToken);
        }

        var expected = Enumerable.Range(0, Messages).ToArray();
        foreach (var received in await Task.WhenAll(receiving))
        {
            Assert.That(received, Is.EqualTo(expected));
        }

        foreach (var subscriber in subscribers)
        {
            await subscriber.DisposeAsync();
        }
    }

    private static async Task RelayAsync(WebSocketServer server, WebSocketConnection connection, bool consumerWaits)
    {
        Func<WebSocketConnection, bool> others = other => other != connection;
        try
        {
            await foreach (var message in connection.ReadAllAsync())
            {
                await server.BroadcastAsync(message, others);
                if (consumerWaits)
                {
                    await Task.Yield();   // the handling returns to the read loop here, with writers claimed
                }
            }
        }
        catch (ConnectionClosedException)
        {
            // The test's clients go at the end.
        }
    }
}
