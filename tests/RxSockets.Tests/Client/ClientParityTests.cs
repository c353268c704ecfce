using System.Buffers;
using System.IO.Pipelines;
using Microsoft.Reactive.Testing;
using RxSockets.Protocol;
using RxSockets.Protocol.Frames;
using RxSockets.Tests.Support;

namespace RxSockets.Tests.Client;

/// <summary>The reconnecting client has a connection's verbs (issue 14): <see cref="IWebSocketChannel"/>, pinging,
/// closing with a code, <see cref="WebSocketClient.IsConnected"/>, and the pipe helpers.</summary>
public class ClientParityTests
{
    [Test]
    public void IWebSocketChannel_ImplementedByConnectionAndClient()
    {
        Assert.That(typeof(IWebSocketChannel).IsAssignableFrom(typeof(WebSocketConnection)), Is.True);
        Assert.That(typeof(IWebSocketChannel).IsAssignableFrom(typeof(WebSocketClient)), Is.True);
    }

    [Test, CancelAfter(10_000)]
    public async Task PingAsync_NotConnected_FailsWithConnectionClosedWithoutWaiting(CancellationToken cancellationToken)
    {
        var clock = new TestScheduler();
        var (client, connector) = FakeConnector.CreateClient(clock);
        await using var fake = connector;

        Assert.That(client.IsConnected, Is.False);
        var error = await Assert.ThrowsAsync<ConnectionClosedException>(async () => await client.PingAsync(cancellationToken: cancellationToken));
        Assert.That(error!.Message, Does.Contain("not connected").And.Contain("Idle"));
        Assert.Throws<ArgumentOutOfRangeException>(() => _ = client.PingAsync(new byte[126], cancellationToken).AsTask());
    }

    [Test, CancelAfter(10_000)]
    public async Task PingAsync_Connected_PingsTheOpenConnectionAndReturnsItsRoundTrip(CancellationToken cancellationToken)
    {
        var clock = new TestScheduler();
        var (client, connector) = FakeConnector.CreateClient(clock);
        await using var fake = connector;
        await client.StartAsync(cancellationToken);
        var peer = await connector.NextPeerAsync(cancellationToken);
        Assert.That(client.IsConnected, Is.True);

        var ping = client.PingAsync("abc"u8.ToArray(), cancellationToken).AsTask();
        var frame = await peer.ExpectFrameAsync(Opcode.Ping, cancellationToken);
        Assert.That(frame.Payload, Is.EqualTo("abc"u8.ToArray()));
        clock.AdvanceBy(TimeSpan.FromMilliseconds(250));
        await peer.SendPongAsync(frame.Payload, cancellationToken);

        Assert.That(await ping, Is.EqualTo(TimeSpan.FromMilliseconds(250)));
    }

    [Test, CancelAfter(10_000)]
    public async Task IsConnected_AfterTheConnectionDrops_IsFalseWhileReconnecting(CancellationToken cancellationToken)
    {
        var clock = new TestScheduler();
        var (client, connector) = FakeConnector.CreateClient(clock);
        await using var fake = connector;
        var log = EventLog.Of(client);
        await client.StartAsync(cancellationToken);

        await connector.DropFirstConnectionAsync(log, cancellationToken);

        Assert.That(client.IsConnected, Is.False);
        await Assert.ThrowsAsync<ConnectionClosedException>(async () => await client.PingAsync(cancellationToken: cancellationToken));
    }

    [Test, CancelAfter(10_000)]
    public async Task CloseAsync_WithCodeAndReason_SendsThemAndStopsReconnecting(CancellationToken cancellationToken)
    {
        var clock = new TestScheduler();
        var (client, connector) = FakeConnector.CreateClient(clock);
        await using var fake = connector;
        var log = EventLog.Of(client);
        await client.StartAsync(cancellationToken);
        var peer = await connector.NextPeerAsync(cancellationToken);

        var closing = client.CloseAsync((CloseCode)4001, "shift over", cancellationToken);
        var sent = await peer.ExpectCloseAsync(cancellationToken);
        await peer.SendCloseAsync((CloseCode)4001, "", cancellationToken);
        await peer.CompleteAsync();   // the server ends the TCP connection after the close handshake
        await closing;

        Assert.That(sent, Is.EqualTo(new CloseStatus((CloseCode)4001, "shift over")));
        Assert.That(client.State, Is.EqualTo(ClientState.Closed));
        Assert.That(log.OfType<ClientClosed>().Single().Status, Is.EqualTo(new CloseStatus((CloseCode)4001, "shift over")));
        Assert.That(log.OfType<ClientReconnecting>(), Is.Empty);
        Assert.That(connector.Calls, Is.EqualTo(1));
    }

    [Test]
    public async Task CloseAsync_CodeThatMayNotBeSent_ThrowsBeforeClosing()
    {
        var clock = new TestScheduler();
        var (client, connector) = FakeConnector.CreateClient(clock);
        await using var fake = connector;

        Assert.Throws<ArgumentException>(() => _ = client.CloseAsync(CloseCode.AbnormalClosure));
        Assert.Throws<ArgumentException>(() => _ = client.CloseAsync(CloseCode.NormalClosure, new string('x', 124)));
        Assert.That(client.State, Is.EqualTo(ClientState.Idle));
    }

    [Test, CancelAfter(10_000)]
    public async Task PipeFromAsync_OnClient_SendsTheStreamAsBinaryChunks(CancellationToken cancellationToken)
    {
        var clock = new TestScheduler();
        var (client, connector) = FakeConnector.CreateClient(clock);
        await using var fake = connector;
        await client.StartAsync(cancellationToken);
        var peer = await connector.NextPeerAsync(cancellationToken);

        var sent = await client.PipeFromAsync(new MemoryStream([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]), chunkSize: 4, cancellationToken);

        Assert.That(sent, Is.EqualTo(10));
        Assert.That((await peer.ExpectFrameAsync(Opcode.Binary, cancellationToken)).Payload, Is.EqualTo(new byte[] { 1, 2, 3, 4 }));
        Assert.That((await peer.ExpectFrameAsync(Opcode.Binary, cancellationToken)).Payload, Is.EqualTo(new byte[] { 5, 6, 7, 8 }));
        Assert.That((await peer.ExpectFrameAsync(Opcode.Binary, cancellationToken)).Payload, Is.EqualTo(new byte[] { 9, 10 }));
    }

    [Test, CancelAfter(10_000)]
    public async Task PipeToAsync_OnClient_CopiesMessagesFromEveryConnectionUntilDisposed(CancellationToken cancellationToken)
    {
        var clock = new TestScheduler();
        var (client, connector) = FakeConnector.CreateClient(clock, reconnect: new ReconnectOptions { ReconnectDelay = TimeSpan.Zero });
        await using var fake = connector;
        var pipe = new Pipe();
        await client.StartAsync(cancellationToken);
        var copying = client.PipeToAsync(pipe.Writer, cancellationToken);

        var first = await connector.NextPeerAsync(cancellationToken);
        await first.SendBinaryAsync([1, 2], cancellationToken);
        await first.CompleteAsync();   // reconnects at once (no delay)
        var second = await connector.NextPeerAsync(cancellationToken);
        await second.SendBinaryAsync([3], cancellationToken);
        var read = await pipe.Reader.ReadAtLeastAsync(3, cancellationToken);
        var bytes = read.Buffer.ToArray();
        pipe.Reader.AdvanceTo(read.Buffer.End);
        await connector.DisposeAsync();

        Assert.That(bytes, Is.EqualTo(new byte[] { 1, 2, 3 }));
        Assert.That(await copying, Is.EqualTo(3));
    }
}
