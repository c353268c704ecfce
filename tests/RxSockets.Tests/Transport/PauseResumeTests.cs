using Microsoft.Reactive.Testing;
using RxSockets.Protocol;
using RxSockets.Protocol.Frames;
using RxSockets.Tests.Support;

namespace RxSockets.Tests.Transport;

/// <summary><see cref="WebSocketConnection.Pause"/> and <see cref="WebSocketConnection.Resume"/>: reading stops (the
/// peer is held back), nothing is lost, and a close or the keepalive still behave.</summary>
public class PauseResumeTests
{
    [TestCase(ConnectionRole.Server), TestCase(ConnectionRole.Client), CancelAfter(5_000)]
    public async Task Pause_PeerSends_NothingIsReadAndThePeerIsHeldBackUntilResume(ConnectionRole role, CancellationToken cancellationToken)
    {
        // The pipe makes its writer wait once 256 bytes are unread: the in-memory form of a full TCP window.
        var (connection, peer) = InMemory.Open(role, new TestScheduler(), pipe: PipePair.SmallBuffer(256));
        var received = new RecordingObserver<Message>();
        using var subscription = connection.Incoming.Subscribe(received);
        await peer.SendTextAsync("before", cancellationToken);
        await received.WaitForCountAsync(1, cancellationToken);

        connection.Pause();
        await DriverProbe.WaitUntilParkedAsync(connection, cancellationToken);   // from here the read loop reads nothing
        var sent = peer.SendBinaryAsync(new byte[1024], cancellationToken);
        await connection.SendAsync("we still write", cancellationToken);
        var echoedWhilePaused = await peer.ExpectTextAsync(cancellationToken);
        var peerHeldBack = !sent.IsCompleted;
        var deliveredWhilePaused = received.Values.Count;
        var pausedFlag = connection.IsPaused;

        connection.Resume();
        await sent.WaitAsync(cancellationToken);
        await received.WaitForCountAsync(2, cancellationToken);

        Assert.That(echoedWhilePaused, Is.EqualTo("we still write"));
        Assert.That(pausedFlag, Is.True);
        Assert.That(peerHeldBack, Is.True, "the peer's flush completed although nothing read its bytes");
        Assert.That(deliveredWhilePaused, Is.EqualTo(1));
        Assert.That(received.Values[1].Data.Length, Is.EqualTo(1024));
        Assert.That(connection.IsPaused, Is.False);
        connection.Abort();
    }

    [Test, CancelAfter(5_000)]
    public async Task Pause_ThenResumeBeforeTheLoopParks_LosesNothing(CancellationToken cancellationToken)
    {
        var (connection, peer) = InMemory.Open(ConnectionRole.Server, new TestScheduler());
        var received = new RecordingObserver<Message>();
        using var subscription = connection.Incoming.Subscribe(received);

        for (var i = 0; i < 50; i++)
        {
            connection.Pause();
            connection.Resume();
            await peer.SendTextAsync($"m{i}", cancellationToken);
        }

        await received.WaitForCountAsync(50, cancellationToken);

        Assert.That(received.Values.Select(m => m.GetText()), Is.EqualTo(Enumerable.Range(0, 50).Select(i => $"m{i}")));
        Assert.That(connection.State, Is.EqualTo(ConnectionState.Open));
        connection.Abort();
    }

    [Test, CancelAfter(5_000)]
    public async Task CloseAsync_WhilePaused_ReadsOnToThePeersCloseAndEndsCleanly(CancellationToken cancellationToken)
    {
        var (connection, peer) = InMemory.Open(ConnectionRole.Client, new TestScheduler());
        connection.Pause();
        await DriverProbe.WaitUntilParkedAsync(connection, cancellationToken);

        var closing = connection.CloseAsync(CloseCode.NormalClosure, "bye", cancellationToken);
        var close = await peer.ExpectCloseAsync(cancellationToken);
        await peer.SendCloseAsync(CloseCode.NormalClosure, "", cancellationToken);
        await peer.CompleteAsync();
        await closing.WaitAsync(cancellationToken);

        Assert.That(close?.Code, Is.EqualTo(CloseCode.NormalClosure));
        Assert.That(connection.CloseStatus?.Code, Is.EqualTo(CloseCode.NormalClosure));
        Assert.That(connection.Completion.IsCompletedSuccessfully, Is.True);
    }

    [Test, CancelAfter(5_000)]
    public async Task Pause_LongerThanTheKeepAliveTimeout_IsNotDeclaredDead(CancellationToken cancellationToken)
    {
        var clock = new TestScheduler();
        var (connection, peer) = InMemory.Open(ConnectionRole.Server, clock);
        connection.Pause();
        await DriverProbe.WaitUntilParkedAsync(connection, cancellationToken);

        for (var step = 1; step <= 6; step++)
        {
            clock.AdvanceBy(TimeSpan.FromSeconds(20));
            var ping = await peer.ExpectFrameAsync(Opcode.Ping, cancellationToken);   // our pings still go out
            await peer.SendPongAsync(ping.Payload, cancellationToken);   // and wait unread behind the pause
        }

        var stateWhilePaused = connection.State;
        var pong = InMemory.NextAsync(connection.Pongs, cancellationToken);
        connection.Resume();
        await pong;

        Assert.That(stateWhilePaused, Is.EqualTo(ConnectionState.Open));
        Assert.That(connection.State, Is.EqualTo(ConnectionState.Open));
        connection.Abort();
    }
}
