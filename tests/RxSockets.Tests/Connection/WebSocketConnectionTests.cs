using System.Text;
using Microsoft.Reactive.Testing;
using RxSockets.Protocol;
using RxSockets.Protocol.Frames;
using RxSockets.Tests.Support;

namespace RxSockets.Tests.Connection;

public class WebSocketConnectionTests
{
    private static readonly ConnectionRole[] s_roles = [ConnectionRole.Client, ConnectionRole.Server];

    [TestCaseSource(nameof(s_roles)), CancelAfter(5_000)]
    public async Task Incoming_TextAndBinaryFromPeer_DeliversBothInOrder(ConnectionRole role, CancellationToken cancellationToken)
    {
        var (connection, peer) = InMemory.Open(role, new TestScheduler());
        var received = new RecordingObserver<Message>();
        using var subscription = connection.Incoming.Subscribe(received);

        await peer.SendTextAsync("hello", cancellationToken);
        await peer.SendBinaryAsync([1, 2, 3], cancellationToken);
        await received.WaitForCountAsync(2, cancellationToken);

        Assert.That(received.Values[0].Type, Is.EqualTo(MessageType.Text));
        Assert.That(received.Values[0].GetText(), Is.EqualTo("hello"));
        Assert.That(received.Values[1].Type, Is.EqualTo(MessageType.Binary));
        Assert.That(received.Values[1].Data.ToArray(), Is.EqualTo(new byte[] { 1, 2, 3 }));
        connection.Abort();
    }

    [TestCaseSource(nameof(s_roles)), CancelAfter(5_000)]
    public async Task ReadAllAsync_FragmentedMessage_YieldsItWhole(ConnectionRole role, CancellationToken cancellationToken)
    {
        var (connection, peer) = InMemory.Open(role, new TestScheduler());

        await peer.SendFrameAsync(Opcode.Text, Encoding.UTF8.GetBytes("frag"), cancellationToken, fin: false);
        await peer.SendContinuationAsync(Encoding.UTF8.GetBytes("mented"), fin: true, cancellationToken);
        await using var messages = connection.ReadAllAsync(cancellationToken).GetAsyncEnumerator(cancellationToken);
        var moved = await messages.MoveNextAsync();

        Assert.That(moved, Is.True);
        Assert.That(messages.Current.GetText(), Is.EqualTo("fragmented"));
        connection.Abort();
    }

    [Test, CancelAfter(5_000)]
    public async Task Incoming_TwoSubscribers_EachReceivesEveryMessage(CancellationToken cancellationToken)
    {
        var (connection, peer) = InMemory.Open(ConnectionRole.Client, new TestScheduler());
        var first = new RecordingObserver<Message>();
        var second = new RecordingObserver<Message>();
        using var a = connection.Incoming.Subscribe(first);
        using var b = connection.Incoming.Subscribe(second);

        await peer.SendTextAsync("one", cancellationToken);
        await peer.SendTextAsync("two", cancellationToken);
        await first.WaitForCountAsync(2, cancellationToken);
        await second.WaitForCountAsync(2, cancellationToken);

        Assert.That(first.Values.Select(m => m.GetText()), Is.EqualTo(new[] { "one", "two" }));
        Assert.That(second.Values.Select(m => m.GetText()), Is.EqualTo(new[] { "one", "two" }));
        connection.Abort();
    }

    [Test, CancelAfter(5_000)]
    public async Task Incoming_MessagesBeforeFirstSubscription_AreDelivered(CancellationToken cancellationToken)
    {
        var (connection, peer) = InMemory.Open(ConnectionRole.Server, new TestScheduler());
        var pinged = InMemory.NextAsync(connection.Pings, cancellationToken);
        await peer.SendTextAsync("early 1", cancellationToken);
        await peer.SendTextAsync("early 2", cancellationToken);
        await peer.SendPingAsync([7], cancellationToken);
        await pinged;   // the read loop handled the ping, so both messages already sit in the receive queue

        var received = new RecordingObserver<Message>();
        using var subscription = connection.Incoming.Subscribe(received);
        await received.WaitForCountAsync(2, cancellationToken);

        Assert.That(received.Values.Select(m => m.GetText()), Is.EqualTo(new[] { "early 1", "early 2" }));
        connection.Abort();
    }

    [Test, CancelAfter(5_000)]
    public async Task ReadAllAsync_AfterSubscribe_ThrowsInvalidOperation(CancellationToken cancellationToken)
    {
        var (connection, _) = InMemory.Open(ConnectionRole.Client, new TestScheduler());
        using var subscription = connection.Incoming.Subscribe(new RecordingObserver<Message>());

        var error = await Assert.ThrowsAsync<InvalidOperationException>(async () =>
        {
            await foreach (var _ in connection.ReadAllAsync(cancellationToken))
            {
            }
        });

        Assert.That(error?.Message, Does.Contain("not both"));
        connection.Abort();
    }

    [Test, CancelAfter(5_000)]
    public async Task Subscribe_WhileEnumerating_ThrowsInvalidOperation(CancellationToken cancellationToken)
    {
        var (connection, _) = InMemory.Open(ConnectionRole.Client, new TestScheduler());
        var messages = connection.ReadAllAsync(cancellationToken).GetAsyncEnumerator(cancellationToken);
        var moving = messages.MoveNextAsync();

        var error = Assert.Throws<InvalidOperationException>(() => connection.Incoming.Subscribe(new RecordingObserver<Message>()));

        Assert.That(error?.Message, Does.Contain("not both"));
        connection.Abort();
        await Assert.ThrowsAsync<ConnectionClosedException>(async () => await moving);
        await messages.DisposeAsync();
    }

    [Test, CancelAfter(5_000)]
    public async Task Incoming_SubscriberThrows_IsUnsubscribedAndOthersContinue(CancellationToken cancellationToken)
    {
        var (connection, peer) = InMemory.Open(ConnectionRole.Client, new TestScheduler());
        var thrown = 0;
        using var faulty = connection.Incoming.Subscribe(new Observer<Message>(_ =>
        {
            Interlocked.Increment(ref thrown);
            throw new InvalidOperationException("subscriber bug");
        }));
        var healthy = new RecordingObserver<Message>();
        using var subscription = connection.Incoming.Subscribe(healthy);

        await peer.SendTextAsync("one", cancellationToken);
        await peer.SendTextAsync("two", cancellationToken);
        await healthy.WaitForCountAsync(2, cancellationToken);
        await connection.SendAsync("still sending", cancellationToken);

        Assert.That(Volatile.Read(ref thrown), Is.EqualTo(1));
        Assert.That(healthy.Values.Select(m => m.GetText()), Is.EqualTo(new[] { "one", "two" }));
        Assert.That(connection.State, Is.EqualTo(ConnectionState.Open));
        Assert.That(await peer.ExpectTextAsync(cancellationToken), Is.EqualTo("still sending"));
        connection.Abort();
    }

    [TestCaseSource(nameof(s_roles)), CancelAfter(5_000)]
    public async Task SendAsync_Text_WritesOneFrameMaskedOnlyByClient(ConnectionRole role, CancellationToken cancellationToken)
    {
        var (connection, peer) = InMemory.Open(role, new TestScheduler());

        await connection.SendAsync("Hello", cancellationToken);
        var frame = await peer.ExpectFrameAsync(Opcode.Text, cancellationToken);

        Assert.That(frame.Header.Masked, Is.EqualTo(role == ConnectionRole.Client));
        Assert.That(frame.Header.Fin, Is.True);
        Assert.That(Encoding.UTF8.GetString(frame.Payload), Is.EqualTo("Hello"));
        connection.Abort();
    }

    [Test, CancelAfter(5_000)]
    public async Task SendAsync_Binary_ArrivesIntact(CancellationToken cancellationToken)
    {
        var (connection, peer) = InMemory.Open(ConnectionRole.Client, new TestScheduler());
        var data = Enumerable.Range(0, 70_000).Select(i => (byte)i).ToArray();

        await connection.SendAsync(data.AsMemory(), cancellationToken);
        var frame = await peer.ExpectFrameAsync(Opcode.Binary, cancellationToken);

        Assert.That(frame.Payload, Is.EqualTo(data));
        connection.Abort();
    }

    [Test, CancelAfter(5_000)]
    public async Task SendAsync_SeveralQueuedWhileWriterBusy_CoalescedIntoOneFlushInOrder(CancellationToken cancellationToken)
    {
        var (local, remote) = PipePair.Create();
        var gated = new GatedPipeWriter(local.Output);
        var connection = InMemory.Create(new DuplexPipe(local.Input, gated), ConnectionRole.Server, new TestScheduler());
        var peer = RawPeer.Client(remote);

        await connection.SendAsync("m0", cancellationToken);
        await gated.FirstFlushStarted.WaitAsync(cancellationToken);
        for (var i = 1; i < 10; i++)
        {
            await connection.SendAsync($"m{i}", cancellationToken);
        }

        gated.ReleaseFirstFlush();
        var texts = new List<string>();
        for (var i = 0; i < 10; i++)
        {
            texts.Add(await peer.ExpectTextAsync(cancellationToken));
        }

        Assert.That(texts, Is.EqualTo(Enumerable.Range(0, 10).Select(i => $"m{i}")));
        Assert.That(gated.Flushes, Is.EqualTo(2));
        connection.Abort();
    }

    [Test, CancelAfter(5_000)]
    public async Task BufferedAmount_WhileWriterBusy_CountsQueuedPayloadBytes(CancellationToken cancellationToken)
    {
        var (local, remote) = PipePair.Create();
        var gated = new GatedPipeWriter(local.Output);
        var connection = InMemory.Create(new DuplexPipe(local.Input, gated), ConnectionRole.Server, new TestScheduler());
        var peer = RawPeer.Client(remote);
        await connection.SendAsync("first", cancellationToken);
        await gated.FirstFlushStarted.WaitAsync(cancellationToken);

        await connection.SendAsync(new byte[100].AsMemory(), cancellationToken);
        await connection.SendAsync(new byte[20].AsMemory(), cancellationToken);
        var queued = connection.BufferedAmount;
        gated.ReleaseFirstFlush();
        await peer.ExpectFrameAsync(Opcode.Text, cancellationToken);
        await peer.ExpectFrameAsync(Opcode.Binary, cancellationToken);
        await peer.ExpectFrameAsync(Opcode.Binary, cancellationToken);

        Assert.That(queued, Is.EqualTo(120));
        Assert.That(connection.BufferedAmount, Is.Zero);
        connection.Abort();
    }

    [Test, CancelAfter(5_000)]
    public async Task OutgoingOnNext_Message_IsSent(CancellationToken cancellationToken)
    {
        var (connection, peer) = InMemory.Open(ConnectionRole.Client, new TestScheduler());

        connection.Outgoing.OnNext(Message.Text("via observer"));

        Assert.That(await peer.ExpectTextAsync(cancellationToken), Is.EqualTo("via observer"));
        connection.Abort();
    }

    [Test, CancelAfter(5_000)]
    public async Task OutgoingOnCompleted_AfterMessages_ClosesWith1000(CancellationToken cancellationToken)
    {
        var (connection, peer) = InMemory.Open(ConnectionRole.Server, new TestScheduler());

        connection.Outgoing.OnNext(Message.Text("last words"));
        connection.Outgoing.OnCompleted();
        var text = await peer.ExpectTextAsync(cancellationToken);
        var close = await peer.ExpectCloseAsync(cancellationToken);
        await peer.SendCloseAsync(CloseCode.NormalClosure, "", cancellationToken);
        await connection.Completion.WaitAsync(cancellationToken);

        Assert.That(text, Is.EqualTo("last words"));
        Assert.That(close?.Code, Is.EqualTo(CloseCode.NormalClosure));
    }

    [Test, CancelAfter(5_000)]
    public async Task OutgoingOnError_ClosesWith1011(CancellationToken cancellationToken)
    {
        var (connection, peer) = InMemory.Open(ConnectionRole.Server, new TestScheduler());

        connection.Outgoing.OnError(new InvalidOperationException("upstream failed"));
        var close = await peer.ExpectCloseAsync(cancellationToken);
        await peer.SendCloseAsync(CloseCode.InternalError, "", cancellationToken);
        await connection.Completion.WaitAsync(cancellationToken);

        Assert.That(close?.Code, Is.EqualTo(CloseCode.InternalError));
        Assert.That(connection.CloseStatus?.Code, Is.EqualTo(CloseCode.InternalError));
    }

    [Test, CancelAfter(5_000)]
    public async Task OutgoingOnNext_SendQueueFull_FailsConnectionWith1011(CancellationToken cancellationToken)
    {
        var (local, remote) = PipePair.Create();
        var gated = new GatedPipeWriter(local.Output);
        var connection = InMemory.Create(new DuplexPipe(local.Input, gated), ConnectionRole.Client, new TestScheduler(),
            o => o.SendQueueCapacity = 1);
        var peer = RawPeer.Server(remote);
        connection.Outgoing.OnNext(Message.Text("m0"));
        await gated.FirstFlushStarted.WaitAsync(cancellationToken);   // m0 left the queue; the writer is stuck flushing it
        connection.Outgoing.OnNext(Message.Text("m1"));                // fills the queue

        connection.Outgoing.OnNext(Message.Text("m2"));
        gated.ReleaseFirstFlush();
        var first = await peer.ExpectTextAsync(cancellationToken);
        var close = await peer.ExpectCloseAsync(cancellationToken);
        await peer.SendCloseAsync(CloseCode.InternalError, "", cancellationToken);
        await peer.CompleteAsync();

        Assert.That(first, Is.EqualTo("m0"));
        Assert.That(close?.Code, Is.EqualTo(CloseCode.InternalError));
        var error = await Assert.ThrowsAsync<ConnectionClosedException>(() => connection.Completion.WaitAsync(cancellationToken));
        Assert.That(error?.Sent?.Code, Is.EqualTo(CloseCode.InternalError));
        Assert.That(error?.InnerException, Is.InstanceOf<InvalidOperationException>());
    }

    [Test, CancelAfter(5_000)]
    public async Task OutgoingOnNext_SendQueueFullWithDropNewest_CountsDropAndStaysOpen(CancellationToken cancellationToken)
    {
        var (local, remote) = PipePair.Create();
        var gated = new GatedPipeWriter(local.Output);
        var connection = InMemory.Create(new DuplexPipe(local.Input, gated), ConnectionRole.Client, new TestScheduler(),
            o => { o.SendQueueCapacity = 1; o.OutgoingOverflow = OutgoingOverflow.DropNewest; });
        var peer = RawPeer.Server(remote);
        connection.Outgoing.OnNext(Message.Text("m0"));
        await gated.FirstFlushStarted.WaitAsync(cancellationToken);
        connection.Outgoing.OnNext(Message.Text("m1"));

        connection.Outgoing.OnNext(Message.Text("m2"));
        gated.ReleaseFirstFlush();
        await connection.SendAsync("end", cancellationToken);
        var texts = new List<string>();
        while (texts.LastOrDefault() != "end")
        {
            texts.Add(await peer.ExpectTextAsync(cancellationToken));
        }

        Assert.That(texts, Is.EqualTo(new[] { "m0", "m1", "end" }));
        Assert.That(connection.DroppedOutgoing, Is.EqualTo(1));
        Assert.That(connection.State, Is.EqualTo(ConnectionState.Open));
        connection.Abort();
    }

    [Test, CancelAfter(5_000)]
    public async Task OutgoingOnNext_AfterAbort_CountsTheDrop(CancellationToken cancellationToken)
    {
        var (connection, _) = InMemory.Open(ConnectionRole.Client, new TestScheduler());
        connection.Abort();
        await connection.Completion.ContinueWith(_ => { }, TaskScheduler.Default).WaitAsync(cancellationToken);

        connection.Outgoing.OnNext(Message.Text("too late"));

        Assert.That(connection.DroppedOutgoing, Is.EqualTo(1));
    }

    [TestCaseSource(nameof(s_roles)), CancelAfter(5_000)]
    public async Task Ping_FromPeer_IsAnsweredWithSamePayloadAndObserved(ConnectionRole role, CancellationToken cancellationToken)
    {
        var (connection, peer) = InMemory.Open(role, new TestScheduler());
        var observed = InMemory.NextAsync(connection.Pings, cancellationToken);

        await peer.SendPingAsync([1, 2, 3, 4], cancellationToken);
        var pong = await peer.ExpectFrameAsync(Opcode.Pong, cancellationToken);

        Assert.That(pong.Payload, Is.EqualTo(new byte[] { 1, 2, 3, 4 }));
        Assert.That((await observed).ToArray(), Is.EqualTo(new byte[] { 1, 2, 3, 4 }));
        connection.Abort();
    }

    [Test, CancelAfter(5_000)]
    public async Task Ping_WithAutoPongOff_IsNotAnswered(CancellationToken cancellationToken)
    {
        var (connection, peer) = InMemory.Open(ConnectionRole.Client, new TestScheduler(), o => o.AutoPong = false);
        var observed = InMemory.NextAsync(connection.Pings, cancellationToken);

        await peer.SendPingAsync([9], cancellationToken);
        await observed;
        await connection.SendAsync("next", cancellationToken);

        Assert.That(await peer.ExpectTextAsync(cancellationToken), Is.EqualTo("next"));
        connection.Abort();
    }

    [Test, CancelAfter(5_000)]
    public async Task Pongs_UnsolicitedPong_IsObserved(CancellationToken cancellationToken)
    {
        var (connection, peer) = InMemory.Open(ConnectionRole.Server, new TestScheduler());
        var observed = InMemory.NextAsync(connection.Pongs, cancellationToken);

        await peer.SendPongAsync([5, 6], cancellationToken);

        Assert.That((await observed).ToArray(), Is.EqualTo(new byte[] { 5, 6 }));
        connection.Abort();
    }

    [TestCaseSource(nameof(s_roles)), CancelAfter(5_000)]
    public async Task PingAsync_PongAfterVirtualDelay_ReturnsRoundTripOnTheClock(ConnectionRole role, CancellationToken cancellationToken)
    {
        var clock = new TestScheduler();
        var (connection, peer) = InMemory.Open(role, clock);

        var rtt = connection.PingAsync("abc"u8.ToArray(), cancellationToken);
        var ping = await peer.ExpectFrameAsync(Opcode.Ping, cancellationToken);
        clock.AdvanceBy(TimeSpan.FromMilliseconds(250));
        await peer.SendPongAsync(ping.Payload, cancellationToken);

        Assert.That(ping.Payload, Is.EqualTo("abc"u8.ToArray()));
        Assert.That(await rtt, Is.EqualTo(TimeSpan.FromMilliseconds(250)));
        connection.Abort();
    }

    [Test, CancelAfter(5_000)]
    public async Task PingAsync_ConnectionAbortedBeforePong_Faults(CancellationToken cancellationToken)
    {
        var (connection, peer) = InMemory.Open(ConnectionRole.Client, new TestScheduler());
        var rtt = connection.PingAsync(cancellationToken: cancellationToken);
        await peer.ExpectFrameAsync(Opcode.Ping, cancellationToken);

        connection.Abort();

        await Assert.ThrowsAsync<ConnectionClosedException>(async () => await rtt);
    }

    [Test, CancelAfter(10_000)]
    public async Task SendAsync_FromSeveralThreads_EveryMessageArrivesWholeAndInPerSenderOrder(CancellationToken cancellationToken)
    {
        var (connection, peer) = InMemory.Open(ConnectionRole.Client, new TestScheduler(), o => o.FragmentSize = 16);
        const int senders = 4;
        const int perSender = 100;

        var sending = Enumerable.Range(0, senders).Select(s => Task.Run(async () =>
        {
            for (var i = 0; i < perSender; i++)
            {
                await connection.SendAsync($"sender {s} message {i:D3} with some padding", cancellationToken);
            }
        }, cancellationToken)).ToArray();
        var texts = new List<string>();
        var fragments = new StringBuilder();
        while (texts.Count < senders * perSender)
        {
            var frame = await peer.ReadFrameAsync(cancellationToken);
            Assert.That(frame, Is.Not.Null);
            fragments.Append(Encoding.UTF8.GetString(frame!.Value.Payload));   // checked non-null just above
            if (frame.Value.Header.Fin)
            {
                texts.Add(fragments.ToString());
                fragments.Clear();
            }
        }

        await Task.WhenAll(sending);

        for (var s = 0; s < senders; s++)
        {
            var mine = texts.Where(t => t.StartsWith($"sender {s} ", StringComparison.Ordinal)).ToList();
            Assert.That(mine, Is.EqualTo(Enumerable.Range(0, perSender).Select(i => $"sender {s} message {i:D3} with some padding")));
        }

        connection.Abort();
    }
}
