using Microsoft.Reactive.Testing;
using RxSockets.Protocol;
using RxSockets.Protocol.Frames;
using RxSockets.Tests.Support;

namespace RxSockets.Tests.Transport;

/// <summary><see cref="WebSocketConnection.PongAsync"/>: unsolicited pongs (RFC 6455 §5.5.3) and answering pings by
/// hand with <see cref="ConnectionOptions.AutoPong"/> off.</summary>
public class ManualPongTests
{
    [TestCase(ConnectionRole.Server), TestCase(ConnectionRole.Client), CancelAfter(5_000)]
    public async Task PongAsync_Unsolicited_SendsAPongWithThePayload(ConnectionRole role, CancellationToken cancellationToken)
    {
        var (connection, peer) = InMemory.Open(role, new TestScheduler());

        await connection.PongAsync(new byte[] { 1, 2, 3 }, cancellationToken);
        var pong = await peer.ExpectFrameAsync(Opcode.Pong, cancellationToken);

        Assert.That(pong.Payload, Is.EqualTo(new byte[] { 1, 2, 3 }));
        Assert.That(connection.State, Is.EqualTo(ConnectionState.Open));
        connection.Abort();
    }

    [Test, CancelAfter(5_000)]
    public async Task PongAsync_WithAutoPongOff_AnswersAPingByHand(CancellationToken cancellationToken)
    {
        var (connection, peer) = InMemory.Open(ConnectionRole.Server, new TestScheduler(), o => o.AutoPong = false);
        var ping = InMemory.NextAsync(connection.Pings, cancellationToken);

        await peer.SendPingAsync([7, 7], cancellationToken);
        await connection.PongAsync((await ping).ToArray(), cancellationToken);
        var pong = await peer.ExpectFrameAsync(Opcode.Pong, cancellationToken);

        Assert.That(pong.Payload, Is.EqualTo(new byte[] { 7, 7 }));
        connection.Abort();
    }

    [Test]
    public void PongAsync_PayloadOver125Bytes_ThrowsArgumentException()
    {
        var (connection, _) = InMemory.Open(ConnectionRole.Client, new TestScheduler());

        Assert.That(() => connection.PongAsync(new byte[126]), Throws.InstanceOf<ArgumentException>());
        connection.Abort();
    }

    [Test, CancelAfter(5_000)]
    public async Task PongAsync_AfterClose_FailsWithConnectionClosed(CancellationToken cancellationToken)
    {
        var (connection, peer) = InMemory.Open(ConnectionRole.Client, new TestScheduler());
        _ = connection.CloseAsync(CloseCode.NormalClosure, "", cancellationToken);
        await peer.ExpectCloseAsync(cancellationToken);

        Assert.That(async () => await connection.PongAsync(new byte[] { 1 }, cancellationToken), Throws.InstanceOf<ConnectionClosedException>());
        connection.Abort();
    }

    [Test, CancelAfter(5_000)]
    public async Task CloseAsync_ReservedCode1004_ThrowsArgumentExceptionAndSendsNothing(CancellationToken cancellationToken)
    {
        var (connection, peer) = InMemory.Open(ConnectionRole.Client, new TestScheduler());

        Assert.That(() => connection.CloseAsync(CloseCode.Reserved, "", cancellationToken), Throws.ArgumentException);
        await connection.SendAsync("still open", cancellationToken);

        Assert.That(await peer.ExpectTextAsync(cancellationToken), Is.EqualTo("still open"));
        Assert.That((int)CloseCode.Reserved, Is.EqualTo(1004));
        connection.Abort();
    }
}
