using System.Buffers;
using RxSockets.Protocol;
using RxSockets.Protocol.Connection;
using RxSockets.Protocol.Frames;
using RxSockets.Tests.Support;

namespace RxSockets.Tests.Primitives;

/// <summary>
/// <see cref="MessageLease"/>: received payloads in pooled buffers that the consumer gives back by disposing or sending
/// them. The zero-allocation claim is counted exactly on one thread at the protocol level (bytes in, leased message out,
/// framed back out); the end-to-end behaviour over loopback (order, content, ownership) in the tests after it.
/// </summary>
public class MessageLeaseTests
{
    private static ConnectionProtocol PooledServer()
    {
        var protocol = new ConnectionProtocol(ConnectionRole.Server, 1 << 20, 1024, validateUtf8: true, fragmentSize: 0)
        {
            PooledPayloads = true,
        };
        return protocol;
    }

    private static MessageLease ReceiveOne(ConnectionProtocol protocol, byte[] frames)
    {
        var buffer = new ReadOnlySequence<byte>(frames);
        Assert.That(protocol.Receive(ref buffer, out var message, out _), Is.EqualTo(ProtocolEvent.Message));
        return new MessageLease(message);
    }

    [Test]
    public void Receive_Pooled_EchoBackAndGiveBack_AllocatesNothingPerMessage()
    {
        var protocol = PooledServer();
        var frame = ClientFrame.Masked(Opcode.Binary, [.. Enumerable.Range(0, 1024).Select(i => (byte)i)]);
        var output = new ArrayBufferWriter<byte>(4096);

        void EchoOnce()
        {
            var buffer = new ReadOnlySequence<byte>(frame);
            protocol.Receive(ref buffer, out var message, out _);
            var lease = new MessageLease(message);
            output.ResetWrittenCount();
            protocol.WriteMessage(output, lease.Message);
            lease.Dispose();
        }

        for (var i = 0; i < 100; i++)
        {
            EchoOnce();   // warm the pools and the JIT
        }

        var allocated = long.MaxValue;
        for (var round = 0; round < 5; round++)
        {
            var before = GC.GetAllocatedBytesForCurrentThread();
            for (var i = 0; i < 1000; i++)
            {
                EchoOnce();
            }

            allocated = Math.Min(allocated, GC.GetAllocatedBytesForCurrentThread() - before);
        }

        // 1,000 echoed 1 KiB messages; the owned path allocates 1,048 B per message for its array.
        Assert.That(allocated, Is.LessThan(1000), "bytes allocated for 1,000 leased messages");
        Assert.That(output.WrittenSpan[4..].ToArray(), Is.EqualTo(Enumerable.Range(0, 1024).Select(i => (byte)i).ToArray()));
    }

    [Test]
    public void Lease_Disposed_EveryMemberThrowsAndDisposingAgainDoesNothing()
    {
        var lease = ReceiveOne(PooledServer(), ClientFrame.Masked(Opcode.Text, "hello"u8.ToArray()));
        var copy = lease;
        Assert.That((lease.IsPooled, lease.IsLive, lease.Message.GetText()), Is.EqualTo((true, true, "hello")));

        lease.Dispose();
        lease.Dispose();

        Assert.That(copy.IsLive, Is.False);
        Assert.Throws<ObjectDisposedException>(() => _ = copy.Data);
        Assert.Throws<ObjectDisposedException>(() => _ = copy.Message);
        Assert.Throws<ObjectDisposedException>(() => _ = lease.Type);
        Assert.Throws<ObjectDisposedException>(() => copy.ToMessage());
    }

    [Test]
    public void Lease_DisposedAndBufferReused_AStaleCopyStillThrows()
    {
        var protocol = PooledServer();
        var first = ReceiveOne(protocol, ClientFrame.Masked(Opcode.Binary, [1, 2, 3]));
        first.Dispose();

        // The next message takes the same owner from the pool: the first lease must not see its bytes.
        var second = ReceiveOne(protocol, ClientFrame.Masked(Opcode.Binary, [4, 5, 6]));

        Assert.Throws<ObjectDisposedException>(() => _ = first.Data);
        Assert.That(second.Data.ToArray(), Is.EqualTo(new byte[] { 4, 5, 6 }));
        second.Dispose();
    }

    [Test]
    public void ToMessage_IsAnOwnedCopy_ThatOutlivesTheLease()
    {
        var lease = ReceiveOne(PooledServer(), ClientFrame.Masked(Opcode.Binary, [9, 8, 7]));
        var owned = lease.ToMessage();
        lease.Dispose();

        _ = ReceiveOne(PooledServer(), ClientFrame.Masked(Opcode.Binary, [0, 0, 0]));   // reuses the buffer
        Assert.That(owned, Is.EqualTo(Message.Binary(new byte[] { 9, 8, 7 })));
    }

    [Test]
    public void Receive_PooledFragmentedMessage_IsAssembledIntoOnePooledBuffer()
    {
        var protocol = PooledServer();
        var frames = ClientFrame.Masked(Opcode.Text, "frag"u8.ToArray(), fin: false)
            .Concat(ClientFrame.Masked(Opcode.Continuation, "mented"u8.ToArray())).ToArray();

        var lease = ReceiveOne(protocol, frames);

        Assert.That((lease.IsPooled, lease.Message.GetText()), Is.EqualTo((true, "fragmented")));
        lease.Dispose();
    }

    [Test]
    public void Receive_NotPooled_MessagesOwnTheirArraysAndLeasesOverThemDoNothing()
    {
        var protocol = new ConnectionProtocol(ConnectionRole.Server, 1 << 20, 1024, validateUtf8: true, fragmentSize: 0);
        var lease = ReceiveOne(protocol, ClientFrame.Masked(Opcode.Binary, [1, 2]));

        lease.Dispose();

        Assert.That((lease.IsPooled, lease.IsLive, lease.Data.ToArray()), Is.EqualTo((false, true, new byte[] { 1, 2 })));
    }

    [Test, CancelAfter(20_000)]
    public async Task ReadLeasesAsync_EchoedBySendingTheLease_EveryByteArrivesInOrder(CancellationToken cancellationToken)
    {
        await using var server = await WebSocketServer.StartAsync(new WebSocketServerOptions(), cancellationToken);
        var handedOver = true;
        var pooledSeen = 0;
        var echo = Task.Run(async () =>
        {
            await foreach (var connection in server.AcceptAllAsync(cancellationToken))
            {
                await foreach (var lease in connection.ReadLeasesAsync(cancellationToken))
                {
                    // Messages the server read before this enumeration began are not pooled (IsPooled false, always live).
                    var pooled = lease.IsPooled;
                    await connection.SendAsync(lease, cancellationToken);
                    handedOver &= !pooled || !lease.IsLive;
                    pooledSeen += pooled ? 1 : 0;
                }

                return;
            }
        }, cancellationToken);
        await using var client = await WebSocketConnection.ConnectAsync(server.Url, cancellationToken: cancellationToken);

        // Many messages of different sizes and contents in flight at once, so pooled buffers are reused while earlier
        // ones still wait to be written: a buffer given back too early would show as wrong bytes here.
        const int count = 2000;
        var send = Task.Run(async () =>
        {
            for (var i = 0; i < count; i++)
            {
                await client.SendAsync(MixedPayloads.Of(i), cancellationToken);
            }
        }, cancellationToken);
        var received = 0;
        await foreach (var lease in client.ReadLeasesAsync(cancellationToken))
        {
            using (lease)
            {
                Assert.That(lease.Data.ToArray(), Is.EqualTo(MixedPayloads.Of(received)), $"message {received}");
            }

            if (++received == count)
            {
                break;
            }
        }

        await send;
        await client.CloseAsync(cancellationToken: cancellationToken);
        await echo;
        Assert.That(handedOver, Is.True, "sending a pooled lease hands it over at once");
        Assert.That(pooledSeen, Is.GreaterThan(count / 2), "leases are pooled once the enumeration runs");
    }

    [Test, CancelAfter(30_000)]
    public async Task ReadLeasesAsync_LargeMessagesHeldWhileMoreArrive_NeverChange(CancellationToken cancellationToken)
    {
        // Large messages are lent out of the receive buffers (zero-copy) on both sides: the server echoes leases over
        // its receive buffer, and the client holds every lease it reads while the next ones are received into fresh
        // buffers. A buffer returned to the pool while a lease still held it would be reused and show as wrong bytes.
        await using var server = await WebSocketServer.StartAsync(new WebSocketServerOptions(), cancellationToken);
        var echo = Task.Run(async () =>
        {
            await foreach (var connection in server.AcceptAllAsync(cancellationToken))
            {
                await connection.HandleMessagesAsync(lease => connection.SendAsync(lease, cancellationToken), cancellationToken);
                return;
            }
        }, cancellationToken);
        await using var client = await WebSocketConnection.ConnectAsync(server.Url, cancellationToken: cancellationToken);
        static byte[] Payload(int i) => [.. Enumerable.Range(0, (20 * 1024) + (i * 331 % 12_000)).Select(j => (byte)((i * 31) + j))];

        // Sent while the client reads: sending them all first would need the whole 3 MB to fit the two ends' queues and
        // socket buffers, as both the server's handler and this sender wait for send-queue room.
        const int count = 120;
        var leases = new List<MessageLease>(count);
        var send = Task.Run(async () =>
        {
            for (var i = 0; i < count; i++)
            {
                await client.SendAsync(Payload(i), cancellationToken);
            }
        }, cancellationToken);
        await foreach (var lease in client.ReadLeasesAsync(cancellationToken))
        {
            leases.Add(lease);   // held, never disposed until every message is in
            if (leases.Count == count)
            {
                break;
            }
        }

        await send;

        var lent = leases.Count(lease => PooledPayload.Of(lease.Data)?.IsLent == true);
        for (var i = 0; i < count; i++)
        {
            Assert.That(leases[i].Data.ToArray(), Is.EqualTo(Payload(i)), $"message {i}");
            leases[i].Dispose();
        }

        await client.CloseAsync(cancellationToken: cancellationToken);
        await echo;
        Assert.That(lent, Is.GreaterThan(0), "some of the messages were lent from the receive buffer");
    }

    [Test, CancelAfter(10_000)]
    public async Task SendAsync_LeaseAlreadyOver_Throws(CancellationToken cancellationToken)
    {
        await using var server = await WebSocketServer.StartAsync(new WebSocketServerOptions(), cancellationToken);
        await using var client = await WebSocketConnection.ConnectAsync(server.Url, cancellationToken: cancellationToken);
        var lease = ReceiveOne(PooledServer(), ClientFrame.Masked(Opcode.Binary, [1]));
        lease.Dispose();

        await Assert.ThrowsAsync<ObjectDisposedException>(async () => await client.SendAsync(lease, cancellationToken));
    }
}
