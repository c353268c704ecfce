using Microsoft.Reactive.Testing;
using RxSockets.Client;
using RxSockets.Protocol;
using RxSockets.Protocol.Frames;
using RxSockets.Reactive;
using RxSockets.Tests.Support;
using RxSockets.Transport;

namespace RxSockets.Tests.Transport;

/// <summary>Every queue is bounded by bytes (<see cref="ConnectionOptions.MaxQueuedBytes"/>,
/// <see cref="ReconnectOptions.MaxQueuedBytes"/>) as well as by messages, and an empty queue still takes one message
/// larger than its byte budget.</summary>
public class QueueBytesTests
{
    private const int Budget = 1_000;

    [Test]
    public void BoundedQueue_MixedWritesAndReads_BytesNeverExceedTheBudget()
    {
        var queue = new BoundedQueue<byte[]>(capacity: 100, maxBytes: Budget, static item => item.Length, inline: false);
        var mostBytes = 0L;
        var refused = 0;
        for (var i = 0; i < 500; i++)
        {
            refused += queue.TryWrite(new byte[(i * 37 % 400) + 1]) ? 0 : 1;
            mostBytes = Math.Max(mostBytes, queue.Bytes);
            if (i % 3 == 0)
            {
                queue.TryRead(out _);
            }
        }

        Assert.That(mostBytes, Is.LessThanOrEqualTo(Budget));
        Assert.That(refused, Is.Positive);
        Assert.That(queue.Count, Is.LessThan(100));   // the bytes, not the capacity, held it back
    }

    [Test]
    public void BoundedQueue_MessageLargerThanTheBudget_PassesAnEmptyQueueAlone()
    {
        var queue = new BoundedQueue<byte[]>(capacity: 100, maxBytes: Budget, static item => item.Length, inline: false);

        var big = queue.TryWrite(new byte[10 * Budget]);
        var behindIt = queue.TryWrite(new byte[1]);
        queue.TryRead(out _);
        var afterIt = queue.TryWrite(new byte[1]);

        Assert.That((big, behindIt, afterIt), Is.EqualTo((true, false, true)));
        Assert.That(queue.Bytes, Is.EqualTo(1));
    }

    [Test, CancelAfter(10_000)]
    public async Task SendAsync_OverTheByteBudget_WaitsAndQueuedBytesStayWithinIt(CancellationToken cancellationToken)
    {
        await using var server = Detached.Server(configure: o => o.MaxQueuedBytes = Budget);
        GatedPipeWriter? gate = null;
        var (connection, peer) = await Detached.OpenAsync(server, cancellationToken, output => gate = new GatedPipeWriter(output));
        await connection.SendAsync(new byte[400].AsMemory(), cancellationToken);
        await gate!.FirstFlushStarted.WaitAsync(cancellationToken);   // the writer holds the first, the queue is empty

        await connection.SendAsync(new byte[400].AsMemory(), cancellationToken);
        await connection.SendAsync(new byte[400].AsMemory(), cancellationToken);
        var third = connection.SendAsync(new byte[400].AsMemory(), cancellationToken).AsTask();
        var waitedForRoom = !third.IsCompleted;
        var queuedWhileFull = connection.BufferedAmount;
        gate.ReleaseFirstFlush();
        await third.WaitAsync(cancellationToken);

        Assert.That(waitedForRoom, Is.True);
        Assert.That(queuedWhileFull, Is.EqualTo(800));
        for (var i = 0; i < 4; i++)
        {
            Assert.That((await peer.ExpectFrameAsync(Opcode.Binary, cancellationToken)).Payload, Has.Length.EqualTo(400));
        }
    }

    [Test, CancelAfter(10_000)]
    public async Task SendAsync_MessageLargerThanTheBudget_PassesTheEmptyQueue(CancellationToken cancellationToken)
    {
        await using var server = Detached.Server(configure: o => o.MaxQueuedBytes = Budget);
        var (connection, peer) = await Detached.OpenAsync(server, cancellationToken);

        await connection.SendAsync(new byte[20 * Budget].AsMemory(), cancellationToken);

        Assert.That((await peer.ExpectFrameAsync(Opcode.Binary, cancellationToken)).Payload, Has.Length.EqualTo(20 * Budget));
    }

    [Test, CancelAfter(10_000)]
    public async Task ReadLoop_NobodyConsuming_ReceiveQueueStaysWithinTheByteBudget(CancellationToken cancellationToken)
    {
        const int sent = 20;
        var (connection, peer) = InMemory.Open(ConnectionRole.Server, new TestScheduler(), o =>
        {
            o.ReceiveQueueCapacity = 16;
            o.MaxQueuedBytes = Budget;
        }, PipePair.SmallBuffer(1024));
        var session = DriverProbe.Of(connection);
        for (var i = 0; i < sent; i++)
        {
            peer.Write(peer.BuildFrame(Opcode.Binary, new byte[300]));
        }

        var flush = peer.Output.FlushAsync(cancellationToken).AsTask();
        await DriverProbe.WaitUntilReadPausedAsync(connection, cancellationToken);
        var (queuedWhilePaused, bytesWhilePaused) = (session.Inbox.Count, session.Inbox.Bytes);
        var received = 0;
        var mostBytes = 0L;
        await foreach (var _ in connection.ReadAllAsync(cancellationToken))
        {
            mostBytes = Math.Max(mostBytes, session.Inbox.Bytes);
            if (++received == sent)
            {
                break;
            }
        }

        await flush;

        Assert.That((queuedWhilePaused, bytesWhilePaused), Is.EqualTo((3, 900L)));   // 16 by count; 3 × 300 by bytes
        Assert.That(mostBytes, Is.LessThanOrEqualTo(Budget));
        Assert.That(received, Is.EqualTo(sent));
        connection.Abort();
    }

    [Test, CancelAfter(10_000)]
    public async Task ReadLoop_MessageLargerThanTheBudget_IsDelivered(CancellationToken cancellationToken)
    {
        var (connection, peer) = InMemory.Open(ConnectionRole.Server, new TestScheduler(), o => o.MaxQueuedBytes = Budget);

        await peer.SendBinaryAsync(new byte[20 * Budget], cancellationToken);
        var message = await InMemory.NextAsync(connection.Incoming, cancellationToken);

        Assert.That(message.Data.Length, Is.EqualTo(20 * Budget));
        connection.Abort();
    }

    [Test, CancelAfter(10_000)]
    public async Task ClientSender_FailOverTheByteBudget_RefusesAndKeepsItsBytes(CancellationToken cancellationToken)
    {
        await using var sender = new ClientSender(100, Budget, SendQueueOverflow.Fail);

        await sender.SendAsync(Message.Binary(new byte[400]), cancellationToken);
        await sender.SendAsync(Message.Binary(new byte[400]), cancellationToken);
        var error = await Assert.ThrowsAsync<InvalidOperationException>(async () => await sender.SendAsync(Message.Binary(new byte[400]), cancellationToken));

        Assert.That(error?.Message, Does.Contain("MaxQueuedBytes"));
        Assert.That((sender.Queued, sender.QueuedBytes), Is.EqualTo((2, 800L)));
    }

    [Test, CancelAfter(10_000)]
    public async Task ClientSender_DropOldestOverTheByteBudget_DropsUntilTheNewOneFits(CancellationToken cancellationToken)
    {
        await using var sender = new ClientSender(100, Budget, SendQueueOverflow.DropOldest);

        await sender.SendAsync(Message.Binary(new byte[400]), cancellationToken);
        await sender.SendAsync(Message.Binary(new byte[400]), cancellationToken);
        await sender.SendAsync(Message.Binary(new byte[900]), cancellationToken);

        Assert.That((sender.Queued, sender.QueuedBytes, sender.Dropped), Is.EqualTo((1, 900L, 2L)));
    }

    [Test, CancelAfter(10_000)]
    public async Task ClientSender_MessageLargerThanTheBudget_PassesTheEmptyQueue(CancellationToken cancellationToken)
    {
        await using var sender = new ClientSender(100, Budget, SendQueueOverflow.Fail);

        await sender.SendAsync(Message.Binary(new byte[20 * Budget]), cancellationToken);

        Assert.That((sender.Queued, sender.QueuedBytes), Is.EqualTo((1, 20L * Budget)));
    }

    [Test]
    public void Options_MaxQueuedBytesNotPositive_ThrowsNamingIt()
    {
        var server = Assert.Throws<ArgumentException>(() => WebSocketServer.CreateDetached(new WebSocketServerOptions { MaxQueuedBytes = 0 }));
        var client = Assert.Throws<ArgumentException>(() => _ = new WebSocketClient(new Uri("ws://127.0.0.1:1/"), new WebSocketClientOptions { MaxQueuedBytes = -1 }));
        var reconnect = Assert.Throws<ArgumentException>(() => _ = new WebSocketClient(new Uri("ws://127.0.0.1:1/"), reconnect: new ReconnectOptions { MaxQueuedBytes = 0 }));

        Assert.That(new[] { server?.ParamName, client?.ParamName, reconnect?.ParamName }, Is.All.EqualTo("MaxQueuedBytes"));
    }

    [Test]
    public void Options_BroadcastByteLimitAboveMaxQueuedBytes_ThrowsNamingIt()
    {
        var options = new WebSocketServerOptions { MaxQueuedBytes = 1_000, BroadcastByteLimit = 1_001 };

        var error = Assert.Throws<ArgumentException>(() => WebSocketServer.CreateDetached(options));

        Assert.That(error?.ParamName, Is.EqualTo(nameof(WebSocketServerOptions.BroadcastByteLimit)));
    }

    [Test]
    public void Options_Defaults_KeepEachQueueWithinOneMebibyte()
    {
        Assert.That((new WebSocketServerOptions().MaxQueuedBytes, new WebSocketClientOptions().MaxQueuedBytes, new ReconnectOptions().MaxQueuedBytes),
            Is.EqualTo((1L << 20, 1L << 20, 1L << 20)));
    }
}
