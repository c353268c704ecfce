using System.Text;
using Microsoft.Reactive.Testing;
using RxSockets.Protocol;
using RxSockets.Protocol.Frames;
using RxSockets.Tests.Support;

namespace RxSockets.Tests.Transport;

public class InlineDeliveryTests
{
    private const int BatchSize = 10;

    [Test, CancelAfter(5_000)]
    public async Task InlineDelivery_RepliesToMessagesOfOneSocketRead_LeaveInOneWrite(CancellationToken cancellationToken)
    {
        var (local, remote) = PipePair.Create();
        var counting = new GatedPipeWriter(local.Output);
        counting.ReleaseFirstFlush();
        var connection = InMemory.Create(new DuplexPipe(local.Input, counting), ConnectionRole.Server, new TestScheduler());
        var peer = RawPeer.Client(remote);
        var messages = connection.ReadAllAsync(cancellationToken).GetAsyncEnumerator(cancellationToken);
        var first = messages.MoveNextAsync();
        Assert.That(first.IsCompleted, Is.False, "the consumer must be waiting before the batch arrives");
        var echoing = EchoAsync(connection, messages, first, cancellationToken);

        for (var i = 0; i < BatchSize; i++)
        {
            peer.Write(peer.BuildFrame(Opcode.Text, Encoding.UTF8.GetBytes($"m{i}")));
        }

        await peer.Output.FlushAsync(cancellationToken);
        var texts = new List<string>();
        for (var i = 0; i < BatchSize; i++)
        {
            texts.Add(await peer.ExpectTextAsync(cancellationToken));
        }

        await echoing;
        Assert.That(texts, Is.EqualTo(Enumerable.Range(0, BatchSize).Select(i => $"m{i}")));
        Assert.That(counting.Flushes, Is.EqualTo(1), "ten replies to one read should leave in one write");
        connection.Abort();
    }

    [Test, CancelAfter(5_000)]
    public async Task InlineDelivery_MessagesOfOneSocketRead_WakeTheWaitingConsumerOnce(CancellationToken cancellationToken)
    {
        var (connection, peer) = InMemory.Open(ConnectionRole.Server, new TestScheduler());
        var messages = connection.ReadAllAsync(cancellationToken).GetAsyncEnumerator(cancellationToken);
        var first = messages.MoveNextAsync();
        Assert.That(first.IsCompleted, Is.False, "the consumer must be waiting before the batch arrives");
        var waitsAfterTheFirst = 0;
        var consuming = ReadTextsAsync(messages, first, BatchSize, () => waitsAfterTheFirst++);

        for (var i = 0; i < BatchSize; i++)
        {
            peer.Write(peer.BuildFrame(Opcode.Text, Encoding.UTF8.GetBytes($"m{i}")));
        }

        await peer.Output.FlushAsync(cancellationToken);
        var texts = await consuming.WaitAsync(cancellationToken);

        // Woken once for the whole read, the consumer finds the other nine queued instead of waiting for each.
        Assert.That(texts, Is.EqualTo(Enumerable.Range(0, BatchSize).Select(i => $"m{i}")));
        Assert.That(waitsAfterTheFirst, Is.Zero);
        connection.Abort();
    }

    [Test, CancelAfter(5_000)]
    public async Task InlineDelivery_ProtocolErrorAfterMessagesInOneRead_TheMessagesBeforeItAreDelivered(CancellationToken cancellationToken)
    {
        var (connection, peer) = InMemory.Open(ConnectionRole.Server, new TestScheduler());
        var received = new List<string>();
        var reading = ReadUntilClosedAsync(connection, received, cancellationToken);

        peer.Write(peer.BuildFrame(Opcode.Text, "a"u8));
        peer.Write(peer.BuildFrame(Opcode.Text, "b"u8));
        peer.Write(peer.BuildFrame(Opcode.Text, "unmasked"u8, masked: false));   // RFC 6455 §5.1: a server fails this
        await peer.Output.FlushAsync(cancellationToken);
        var close = await peer.ExpectCloseAsync(cancellationToken);
        await reading.WaitAsync(cancellationToken);

        Assert.That(received, Is.EqualTo(new[] { "a", "b" }));
        Assert.That(close?.Code, Is.EqualTo(CloseCode.ProtocolError));
        connection.Abort();
    }

    [Test, CancelAfter(5_000)]
    public async Task InlineDelivery_MessageBeforeAPingInOneRead_ReachesTheWaitingConsumerBeforeThePingIsParsed(CancellationToken cancellationToken)
    {
        var (connection, peer) = InMemory.Open(ConnectionRole.Server, new TestScheduler());
        var events = new List<string>();
        using var pings = connection.Pings.Subscribe(_ => events.Add("ping"));
        var messages = connection.ReadAllAsync(cancellationToken).GetAsyncEnumerator(cancellationToken);
        var first = messages.MoveNextAsync();
        Assert.That(first.IsCompleted, Is.False, "the consumer must be waiting before the batch arrives");
        var consuming = RecordAsync(messages, first, events, count: 2);

        peer.Write(peer.BuildFrame(Opcode.Text, "m0"u8));
        peer.Write(peer.BuildFrame(Opcode.Ping, "p"u8));
        peer.Write(peer.BuildFrame(Opcode.Text, "m1"u8));
        await peer.Output.FlushAsync(cancellationToken);
        await consuming.WaitAsync(cancellationToken);

        // Delivered on the read loop: the consumer handled m0 before the read loop went on to the ping.
        Assert.That(events, Is.EqualTo(new[] { "m0", "ping", "m1" }));
        connection.Abort();
    }

    [Test, CancelAfter(5_000)]
    public async Task InlineDeliveryOff_ObserverBlocksOnAPingOfTheSameConnection_PongStillArrives(CancellationToken cancellationToken)
    {
        var (connection, peer) = InMemory.Open(ConnectionRole.Server, new TestScheduler(), options => options.InlineDelivery = false);
        var roundTrip = new TaskCompletionSource<TimeSpan>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var subscription = connection.Incoming.Subscribe(new Observer<Message>(_ =>
            roundTrip.TrySetResult(connection.PingAsync(cancellationToken: cancellationToken).AsTask().GetAwaiter().GetResult())));

        await peer.SendTextAsync("ping me, blocking", cancellationToken);
        var ping = await peer.ExpectFrameAsync(Opcode.Ping, cancellationToken);
        await peer.SendPongAsync(ping.Payload, cancellationToken);

        Assert.That(await roundTrip.Task.WaitAsync(cancellationToken), Is.GreaterThanOrEqualTo(TimeSpan.Zero));
        connection.Abort();
    }

    [Test]
    public void InlineDelivery_Default_IsOn()
    {
        Assert.That(new WebSocketClientOptions().InlineDelivery, Is.True);
        Assert.That(new WebSocketServerOptions().InlineDelivery, Is.True);
    }

    private static async Task<List<string>> ReadTextsAsync(IAsyncEnumerator<Message> messages, ValueTask<bool> first, int count, Action onWait)
    {
        var texts = new List<string>();
        var more = await first.ConfigureAwait(false);
        while (more)
        {
            texts.Add(messages.Current.GetText());
            if (texts.Count == count)
            {
                break;
            }

            var next = messages.MoveNextAsync();
            if (!next.IsCompleted)
            {
                onWait();
            }

            more = await next.ConfigureAwait(false);
        }

        return texts;
    }

    private static async Task ReadUntilClosedAsync(WebSocketConnection connection, List<string> received, CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var message in connection.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                received.Add(message.GetText());
            }
        }
        catch (ConnectionClosedException)
        {
            // The protocol error ends the stream after the messages before it.
        }
    }

    private static async Task RecordAsync(IAsyncEnumerator<Message> messages, ValueTask<bool> first, List<string> events, int count)
    {
        var more = await first.ConfigureAwait(false);
        for (var i = 0; i < count && more; i++)
        {
            events.Add(messages.Current.GetText());
            if (i + 1 < count)
            {
                more = await messages.MoveNextAsync().ConfigureAwait(false);
            }
        }
    }

    /// <summary>Echoes <see cref="BatchSize"/> messages; without a captured context its continuations run where the
    /// messages are delivered.</summary>
    private static async Task EchoAsync(WebSocketConnection connection, IAsyncEnumerator<Message> messages, ValueTask<bool> first, CancellationToken cancellationToken)
    {
        var more = await first.ConfigureAwait(false);
        for (var i = 0; i < BatchSize && more; i++)
        {
            await connection.SendAsync(messages.Current, cancellationToken).ConfigureAwait(false);
            if (i + 1 < BatchSize)
            {
                more = await messages.MoveNextAsync().ConfigureAwait(false);
            }
        }
    }
}
