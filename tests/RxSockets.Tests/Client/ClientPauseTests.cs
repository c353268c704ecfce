using Microsoft.Reactive.Testing;
using RxSockets.Tests.Support;

namespace RxSockets.Tests.Client;

/// <summary><see cref="WebSocketClient.Pause"/> and <see cref="WebSocketClient.Resume"/>: the current connection and
/// the ones after a reconnect.</summary>
public class ClientPauseTests
{
    private static readonly ReconnectOptions s_exact = new() { ReconnectDelay = TimeSpan.FromSeconds(1), MaxReconnectDelay = TimeSpan.FromMinutes(5) };

    [Test, CancelAfter(10_000)]
    public async Task Pause_BeforeStartAndAcrossAReconnect_EveryConnectionStartsPausedUntilResume(CancellationToken cancellationToken)
    {
        var clock = new TestScheduler();
        var (client, connector) = FakeConnector.CreateClient(clock, reconnect: s_exact);
        await using var _ = connector;
        var log = EventLog.Of(client);
        var received = new RecordingObserver<Message>();
        using var subscription = client.Incoming.Subscribe(received);

        client.Pause();
        await client.StartAsync(cancellationToken);
        var first = client.Connection!;
        var peer = await connector.NextPeerAsync(cancellationToken);
        await DriverProbe.WaitUntilParkedAsync(first, cancellationToken);
        await peer.SendTextAsync("one", cancellationToken);
        var deliveredWhilePaused = received.Values.Count;
        client.Resume();
        await received.WaitForCountAsync(1, cancellationToken);

        client.Pause();
        await DriverProbe.WaitUntilParkedAsync(first, cancellationToken);
        first.Abort();   // lost while paused (a peer's FIN would wait unread behind the pause)
        await log.WaitForAsync<ClientReconnecting>(1, cancellationToken);
        await clock.StepAsync(cancellationToken);
        var second = await connector.NextPeerAsync(cancellationToken);
        await Until.TrueAsync(() => client.Connection is { } c && c != first, cancellationToken);
        var next = client.Connection!;
        await DriverProbe.WaitUntilParkedAsync(next, cancellationToken);
        await second.SendTextAsync("two", cancellationToken);
        var deliveredWhilePausedAgain = received.Values.Count;
        client.Resume();
        await received.WaitForCountAsync(2, cancellationToken);

        Assert.That(deliveredWhilePaused, Is.Zero);
        Assert.That(deliveredWhilePausedAgain, Is.EqualTo(1));
        Assert.That(next.IsPaused, Is.False);
        Assert.That(client.IsPaused, Is.False);
        Assert.That(received.Values.Select(m => m.GetText()), Is.EqualTo(new[] { "one", "two" }));
    }
}
