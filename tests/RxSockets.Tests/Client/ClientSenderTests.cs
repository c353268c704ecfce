using Microsoft.Reactive.Testing;
using RxSockets.Client;
using RxSockets.Reactive;
using RxSockets.Tests.Support;

namespace RxSockets.Tests.Client;

public class ClientSenderTests
{
    [Test, CancelAfter(10_000)]
    public async Task DropOldest_QueueFullWhileDisconnected_KeepsTheNewestAndCountsTheDropped(CancellationToken cancellationToken)
    {
        var clock = new TestScheduler();
        var reconnect = new ReconnectOptions { SendQueueCapacity = 2, SendOverflow = SendQueueOverflow.DropOldest };
        var (client, connector) = FakeConnector.CreateClient(clock, reconnect: reconnect);
        await using var _ = connector;

        await client.SendAsync("1", cancellationToken);
        await client.SendAsync("2", cancellationToken);
        await client.SendAsync("3", cancellationToken);
        client.Outgoing.OnNext(Message.Text("4"));
        await client.StartAsync(cancellationToken);
        var peer = await connector.NextPeerAsync(cancellationToken);
        var texts = new[] { await peer.ExpectTextAsync(cancellationToken), await peer.ExpectTextAsync(cancellationToken) };

        Assert.That(texts, Is.EqualTo(new[] { "3", "4" }));
        Assert.That(client.DroppedOutgoing, Is.EqualTo(2));
    }

    [Test, CancelAfter(10_000)]
    public async Task Fail_QueueFull_SendAsyncFailsAndOnNextCountsADrop(CancellationToken cancellationToken)
    {
        var clock = new TestScheduler();
        var reconnect = new ReconnectOptions { SendQueueCapacity = 2, SendOverflow = SendQueueOverflow.Fail };
        var (client, connector) = FakeConnector.CreateClient(clock, reconnect: reconnect);
        await using var _ = connector;

        await client.SendAsync("1", cancellationToken);
        await client.SendAsync("2", cancellationToken);
        var error = await Assert.ThrowsAsync<InvalidOperationException>(async () => await client.SendAsync("3", cancellationToken));
        client.Outgoing.OnNext(Message.Text("4"));
        await client.StartAsync(cancellationToken);
        var peer = await connector.NextPeerAsync(cancellationToken);
        var texts = new[] { await peer.ExpectTextAsync(cancellationToken), await peer.ExpectTextAsync(cancellationToken) };

        Assert.That(error?.Message, Does.Contain("send queue is full"));
        Assert.That(texts, Is.EqualTo(new[] { "1", "2" }));
        Assert.That(client.DroppedOutgoing, Is.EqualTo(1));
    }

    [Test, CancelAfter(10_000)]
    public async Task Wait_QueueFull_SendAsyncWaitsForRoomThenDeliversInOrder(CancellationToken cancellationToken)
    {
        var clock = new TestScheduler();
        var reconnect = new ReconnectOptions { SendQueueCapacity = 2, SendOverflow = SendQueueOverflow.Wait };
        var (client, connector) = FakeConnector.CreateClient(clock, reconnect: reconnect);
        await using var _ = connector;

        await client.SendAsync("1", cancellationToken);
        await client.SendAsync("2", cancellationToken);
        var third = client.SendAsync("3", cancellationToken).AsTask();
        var waitedWhileFull = !third.IsCompleted;
        await client.StartAsync(cancellationToken);
        var peer = await connector.NextPeerAsync(cancellationToken);
        await third;
        var texts = new[] { await peer.ExpectTextAsync(cancellationToken), await peer.ExpectTextAsync(cancellationToken), await peer.ExpectTextAsync(cancellationToken) };

        Assert.That(waitedWhileFull, Is.True);
        Assert.That(texts, Is.EqualTo(new[] { "1", "2", "3" }));
        Assert.That(client.DroppedOutgoing, Is.Zero);
    }

    [Test, CancelAfter(10_000)]
    public async Task SendAsync_AfterDispose_FailsWithObjectDisposed(CancellationToken cancellationToken)
    {
        var sender = new ClientSender(4, long.MaxValue, SendQueueOverflow.Wait);
        sender.Start(null);
        await sender.DisposeAsync();

        var error = await Assert.ThrowsAsync<ObjectDisposedException>(async () => await sender.SendAsync(Message.Text("late"), cancellationToken));

        Assert.That(error, Is.Not.Null);
    }
}
