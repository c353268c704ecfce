using Microsoft.Reactive.Testing;
using RxSockets.Tests.Support;

namespace RxSockets.Tests.Client;

/// <summary>A message sent with a time-to-live while disconnected is never sent once stale (issue 14), on virtual time.</summary>
public class ClientMessageExpiryTests
{
    private static readonly ReconnectOptions s_tenSeconds = new() { ReconnectDelay = TimeSpan.FromSeconds(10) };

    [Test, CancelAfter(10_000)]
    public async Task SendWithTimeToLive_ExpiresBeforeReconnect_NotSentCountedAndItsTaskFails(CancellationToken cancellationToken)
    {
        var clock = new TestScheduler();
        var (client, connector) = FakeConnector.CreateClient(clock, reconnect: s_tenSeconds);
        await using var fake = connector;
        var log = EventLog.Of(client);
        await client.StartAsync(cancellationToken);
        await connector.DropFirstConnectionAsync(log, cancellationToken);
        await clock.WaitUntilScheduledAsync(cancellationToken);   // Polly arms the reconnect delay just after the event

        // Disconnected: a stale-prone order (5 s), a fresher one (60 s), and a message without expiry.
        var stale = client.SendAsync(Message.Text("order-1"), TimeSpan.FromSeconds(5), cancellationToken).AsTask();
        var fresh = client.SendAsync(Message.Text("order-2"), TimeSpan.FromSeconds(60), cancellationToken).AsTask();
        await client.SendAsync("note", cancellationToken);
        Assert.That(stale.IsCompleted || fresh.IsCompleted, Is.False, "they wait for a connection");

        // Five seconds on: the first expires there and then, five seconds before the reconnect.
        clock.AdvanceTo(TimeSpan.FromSeconds(5));
        Assert.That(client.ExpiredOutgoing, Is.EqualTo(1), "expired at its deadline, before any reconnect");
        var expired = await Assert.ThrowsAsync<MessageExpiredException>(() => stale.WaitAsync(cancellationToken));
        Assert.That(expired!.TimeToLive, Is.EqualTo(TimeSpan.FromSeconds(5)));
        Assert.That(expired.ExpiredAt, Is.EqualTo(DateTimeOffset.MinValue + TimeSpan.FromSeconds(5)));
        Assert.That(client.QueuedOutgoing, Is.EqualTo(2), "the expired message left the queue at once");

        Assert.That(await clock.StepAsync(cancellationToken), Is.EqualTo(TimeSpan.FromSeconds(10)));
        var peer = await connector.NextPeerAsync(cancellationToken);
        Assert.That(await peer.ExpectTextAsync(cancellationToken), Is.EqualTo("order-2"));
        Assert.That(await peer.ExpectTextAsync(cancellationToken), Is.EqualTo("note"));
        await fresh.WaitAsync(cancellationToken);
        Assert.That(client.ExpiredOutgoing, Is.EqualTo(1));
        Assert.That(client.DroppedOutgoing, Is.Zero);
    }

    [Test, CancelAfter(10_000)]
    public async Task SendWithTimeToLive_DueAtTheReconnect_IsNotSent(CancellationToken cancellationToken)
    {
        // The reconnect and the expiry are due at the same virtual instant: in either order, the stale message never leaves.
        var clock = new TestScheduler();
        var (client, connector) = FakeConnector.CreateClient(clock, reconnect: s_tenSeconds);
        await using var fake = connector;
        var log = EventLog.Of(client);
        await client.StartAsync(cancellationToken);
        await connector.DropFirstConnectionAsync(log, cancellationToken);
        await clock.WaitUntilScheduledAsync(cancellationToken);   // Polly arms the reconnect delay just after the event

        var stale = client.SendAsync(Message.Text("order-1"), TimeSpan.FromSeconds(10), cancellationToken).AsTask();
        await client.SendAsync("after", cancellationToken);
        clock.AdvanceTo(TimeSpan.FromSeconds(10));
        var peer = await connector.NextPeerAsync(cancellationToken);

        Assert.That(await peer.ExpectTextAsync(cancellationToken), Is.EqualTo("after"));
        await Assert.ThrowsAsync<MessageExpiredException>(() => stale.WaitAsync(cancellationToken));
        Assert.That(client.ExpiredOutgoing, Is.EqualTo(1));
    }

    [Test, CancelAfter(10_000)]
    public async Task SendWithTimeToLive_Connected_CompletesWhenHandedToTheConnection(CancellationToken cancellationToken)
    {
        var clock = new TestScheduler();
        var (client, connector) = FakeConnector.CreateClient(clock);
        await using var fake = connector;
        await client.StartAsync(cancellationToken);
        var peer = await connector.NextPeerAsync(cancellationToken);

        await client.SendAsync(Message.Text("now"), TimeSpan.FromSeconds(1), cancellationToken);

        Assert.That(await peer.ExpectTextAsync(cancellationToken), Is.EqualTo("now"));
        clock.AdvanceBy(TimeSpan.FromSeconds(5));
        Assert.That(client.ExpiredOutgoing, Is.Zero, "its timer was stopped once sent");
    }

    [Test, CancelAfter(10_000)]
    public async Task SendWithTimeToLive_ClientDisposedFirst_FailsWithObjectDisposed(CancellationToken cancellationToken)
    {
        var clock = new TestScheduler();
        var (client, connector) = FakeConnector.CreateClient(clock);
        var waiting = client.SendAsync(Message.Text("never"), TimeSpan.FromMinutes(1), cancellationToken).AsTask();

        await connector.DisposeAsync();

        await Assert.ThrowsAsync<ObjectDisposedException>(() => waiting.WaitAsync(cancellationToken));
        Assert.That(client.ExpiredOutgoing, Is.Zero);
    }

    [Test]
    public async Task SendWithTimeToLive_NotPositive_Throws()
    {
        var clock = new TestScheduler();
        var (client, connector) = FakeConnector.CreateClient(clock);
        await using var fake = connector;

        Assert.Throws<ArgumentOutOfRangeException>(() => _ = client.SendAsync(Message.Text("x"), TimeSpan.Zero).AsTask());
        Assert.Throws<ArgumentOutOfRangeException>(() => _ = client.SendAsync(Message.Text("x"), TimeSpan.FromSeconds(-1)).AsTask());
    }
}
