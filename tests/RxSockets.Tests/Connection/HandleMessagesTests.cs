using RxSockets.Tests.Support;

namespace RxSockets.Tests.Connection;

/// <summary>
/// <see cref="WebSocketConnection.HandleMessagesAsync"/>: a handler called on the read loop for each message, with the
/// messages queued before it first, in order; backpressure through the handler's task; failures and cancellation.
/// </summary>
public class HandleMessagesTests
{
    [Test, CancelAfter(20_000)]
    public async Task Echo_ByHandlerSendingTheLease_EveryByteArrivesInOrder(CancellationToken cancellationToken)
    {
        await using var server = await WebSocketServer.StartAsync(new WebSocketServerOptions(), cancellationToken);
        var handled = 0;
        var echo = Task.Run(async () =>
        {
            await foreach (var connection in server.AcceptAllAsync(cancellationToken))
            {
                await connection.HandleMessagesAsync(lease =>
                {
                    handled++;   // never called concurrently: a plain increment is exact
                    return connection.SendAsync(lease, cancellationToken);
                }, cancellationToken);
                return;
            }
        }, cancellationToken);
        await using var client = await WebSocketConnection.ConnectAsync(server.Url, cancellationToken: cancellationToken);

        // Many messages of different sizes in flight at once: pooled buffers are reused while earlier ones still wait
        // to be written, so a buffer given back too early would show as wrong bytes.
        const int count = 2000;
        var send = Task.Run(async () =>
        {
            for (var i = 0; i < count; i++)
            {
                await client.SendAsync(MixedPayloads.Of(i), cancellationToken);
            }
        }, cancellationToken);
        var received = 0;
        await foreach (var message in client.ReadAllAsync(cancellationToken))
        {
            Assert.That(message.Data.ToArray(), Is.EqualTo(MixedPayloads.Of(received)), $"message {received}");
            if (++received == count)
            {
                break;
            }
        }

        await send;
        await client.CloseAsync(cancellationToken: cancellationToken);
        await echo;   // completes, not throws: the connection closed cleanly
        Assert.That(handled, Is.EqualTo(count));
    }

    [Test, CancelAfter(20_000)]
    public async Task MessagesQueuedBeforeTheHandler_AreHandledFirst_InOrder(CancellationToken cancellationToken)
    {
        await using var pair = await Pair.OpenAsync(cancellationToken);
        var (client, connection) = (pair.Client, pair.Server);
        for (var i = 0; i < 10; i++)
        {
            await client.SendAsync(Message.Text($"{i}"), cancellationToken);
        }

        await Until.TrueAsync(() => DriverProbe.Of(connection).Inbox.Count == 10, cancellationToken);
        var seen = new List<string>();
        var all = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var handling = connection.HandleMessagesAsync(lease =>
        {
            using (lease)
            {
                seen.Add(lease.Message.GetText());
            }

            if (seen.Count == 20)
            {
                all.TrySetResult();
            }

            return default;
        }, cancellationToken);
        for (var i = 10; i < 20; i++)
        {
            await client.SendAsync(Message.Text($"{i}"), cancellationToken);
        }

        await all.Task.WaitAsync(cancellationToken);
        Assert.That(seen, Is.EqualTo(Enumerable.Range(0, 20).Select(i => $"{i}")));
        await client.CloseAsync(cancellationToken: cancellationToken);
        await handling;
    }

    [Test, CancelAfter(20_000)]
    public async Task PendingHandlerTask_HoldsReadingBack_UntilItCompletes(CancellationToken cancellationToken)
    {
        await using var pair = await Pair.OpenAsync(cancellationToken);
        var (client, connection) = (pair.Client, pair.Server);
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var seen = new List<string>();
        var all = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var handling = connection.HandleMessagesAsync(lease =>
        {
            using (lease)
            {
                seen.Add(lease.Message.GetText());
            }

            if (seen.Count == 3)
            {
                all.TrySetResult();
            }

            // The first message's handling goes on until the test opens the gate.
            return seen.Count == 1 ? new ValueTask(gate.Task) : default;
        }, cancellationToken);

        await client.SendAsync(Message.Text("0"), cancellationToken);
        await DriverProbe.WaitUntilReadPausedAsync(connection, cancellationToken);
        await client.SendAsync(Message.Text("1"), cancellationToken);
        await client.SendAsync(Message.Text("2"), cancellationToken);
        Assert.That((seen.Count, DriverProbe.Of(connection).Inbox.Count), Is.EqualTo((1, 0)), "nothing read while the handler works");

        gate.SetResult();
        await all.Task.WaitAsync(cancellationToken);
        Assert.That(seen, Is.EqualTo(new[] { "0", "1", "2" }));
        await client.CloseAsync(cancellationToken: cancellationToken);
        await handling;
    }

    [Test, CancelAfter(20_000)]
    public async Task HandlerThrows_ConnectionFailsWith1011_AndTheTaskFaults(CancellationToken cancellationToken)
    {
        await using var pair = await Pair.OpenAsync(cancellationToken);
        var (client, connection) = (pair.Client, pair.Server);
        var handling = connection.HandleMessagesAsync(_ => throw new FormatException("bad message"), cancellationToken);

        await client.SendAsync(Message.Text("x"), cancellationToken);

        var error = await Assert.ThrowsAsync<FormatException>(async () => await handling);
        Assert.That(error!.Message, Is.EqualTo("bad message"));
        await client.Completion.ContinueWith(_ => { }, TaskScheduler.Default).WaitAsync(cancellationToken);
        Assert.That(client.CloseStatus?.Code, Is.EqualTo(CloseCode.InternalError));
    }

    [Test, CancelAfter(20_000)]
    public async Task Cancelled_LaterMessagesWaitForTheNextConsumer(CancellationToken cancellationToken)
    {
        await using var pair = await Pair.OpenAsync(cancellationToken);
        var (client, connection) = (pair.Client, pair.Server);
        using var stop = new CancellationTokenSource();
        var first = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        var handling = connection.HandleMessagesAsync(lease =>
        {
            using (lease)
            {
                first.TrySetResult(lease.Message.GetText());
            }

            return default;
        }, stop.Token);
        await client.SendAsync(Message.Text("to the handler"), cancellationToken);
        Assert.That(await first.Task.WaitAsync(cancellationToken), Is.EqualTo("to the handler"));

        await stop.CancelAsync();
        await Assert.ThrowsAsync<TaskCanceledException>(async () => await handling);
        await client.SendAsync(Message.Text("to the enumeration"), cancellationToken);

        await foreach (var message in connection.ReadAllAsync(cancellationToken))
        {
            Assert.That(message.GetText(), Is.EqualTo("to the enumeration"));
            break;
        }

    }

    [Test, CancelAfter(10_000)]
    public async Task OneConsumer_HandlerAfterSubscribeOrBeside_AnotherHandler_Throws(CancellationToken cancellationToken)
    {
        await using var pair = await Pair.OpenAsync(cancellationToken);
        var (client, connection) = (pair.Client, pair.Server);
        using var subscription = client.Incoming.Subscribe(_ => { });
        var handling = connection.HandleMessagesAsync(lease => { lease.Dispose(); return default; }, cancellationToken);

        Assert.Throws<InvalidOperationException>(() => client.HandleMessagesAsync(_ => default, cancellationToken));
        Assert.Throws<InvalidOperationException>(() => connection.HandleMessagesAsync(_ => default, cancellationToken));
        Assert.Throws<ArgumentNullException>(() => connection.HandleMessagesAsync(null!, cancellationToken));

        await client.CloseAsync(cancellationToken: cancellationToken);
        await handling;
    }

    /// <summary>A server with one accepted connection and the client at its other end.</summary>
    private sealed class Pair(WebSocketServer listener, IAsyncEnumerator<WebSocketConnection> accepted, WebSocketConnection client) : IAsyncDisposable
    {
        public WebSocketConnection Client => client;

        public WebSocketConnection Server => accepted.Current;

        public static async Task<Pair> OpenAsync(CancellationToken cancellationToken)
        {
            var listener = await WebSocketServer.StartAsync(new WebSocketServerOptions(), cancellationToken);
            var accepted = listener.AcceptAllAsync(cancellationToken).GetAsyncEnumerator(cancellationToken);
            var client = await WebSocketConnection.ConnectAsync(listener.Url, cancellationToken: cancellationToken);
            Assert.That(await accepted.MoveNextAsync(), Is.True);
            return new Pair(listener, accepted, client);
        }

        public async ValueTask DisposeAsync()
        {
            await client.DisposeAsync();
            await accepted.DisposeAsync();
            await listener.DisposeAsync();
        }
    }
}
