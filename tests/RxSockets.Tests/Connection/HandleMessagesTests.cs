using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
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
    [NonParallelizable]   // collects and finalizes the whole process's garbage
    public async Task HandlerThrows_TheTaskNeverAwaited_IsNoUnobservedTaskException(CancellationToken cancellationToken)
    {
        var marker = $"never awaited {Guid.NewGuid()}";
        var unobserved = new ConcurrentQueue<Exception>();
        EventHandler<UnobservedTaskExceptionEventArgs> onUnobserved = (_, e) =>
        {
            if (e.Exception.InnerExceptions.Any(inner => inner.Message == marker))
            {
                unobserved.Enqueue(e.Exception);
            }
        };
        TaskScheduler.UnobservedTaskException += onUnobserved;
        try
        {
            var (handling, closeCode) = await FailUnawaitedAsync(marker, cancellationToken);
            await Task.Yield();   // off the stack of the helper's completion, which still holds its locals

            // Bounded: once both ends are gone, the faulted task has no reference left but the
            // weak one, so a few collections finalize it.
            for (var round = 0; round < 10 && IsAlive(handling); round++)
            {
                GC.Collect();
                GC.WaitForPendingFinalizers();
            }

            Assert.That(IsAlive(handling), Is.False, "the handling's task was collected and finalized");
            Assert.That(unobserved, Is.Empty);
            Assert.That(closeCode, Is.EqualTo(CloseCode.InternalError));
        }
        finally
        {
            TaskScheduler.UnobservedTaskException -= onUnobserved;
        }
    }

    [Test, CancelAfter(20_000)]
    public async Task WithAState_TheStaticHandlerGetsTheStateWithEveryMessage(CancellationToken cancellationToken)
    {
        await using var pair = await Pair.OpenAsync(cancellationToken);
        var (client, connection) = (pair.Client, pair.Server);
        var states = new List<WebSocketConnection>();
        var handling = connection.HandleMessagesAsync(
            static (lease, state) =>
            {
                state.Seen.Add(state.Connection);
                return state.Connection.SendAsync(lease);
            },
            (Connection: connection, Seen: states),
            cancellationToken);

        for (var i = 0; i < 3; i++)
        {
            await client.SendAsync(Message.Text($"{i}"), cancellationToken);
        }

        var echoes = new List<string>();
        await foreach (var message in client.ReadAllAsync(cancellationToken))
        {
            echoes.Add(message.GetText());
            if (echoes.Count == 3)
            {
                break;
            }
        }

        await client.CloseAsync(cancellationToken: cancellationToken);
        await handling;
        Assert.That(echoes, Is.EqualTo(new[] { "0", "1", "2" }));
        Assert.That(states, Is.EqualTo(new[] { connection, connection, connection }));
        Assert.Throws<ArgumentNullException>(() => connection.HandleMessagesAsync<int>(null!, 0, cancellationToken));
    }

    /// <summary>Whether the task is still there, in a frame of its own: the caller's frame keeps no reference to it.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static bool IsAlive(WeakReference<Task> task) => task.TryGetTarget(out _);

    /// <summary>On an in-memory pair of its own (no socket engine whose thread could still hold the last connection it
    /// served), starts a handler that throws on the first message, sends it one, waits until the handling has failed
    /// and closes both ends, keeping no reference to the handling's task but a weak one.</summary>
    private static async Task<(WeakReference<Task> Handling, CloseCode? CloseCode)> FailUnawaitedAsync(string marker, CancellationToken cancellationToken)
    {
        var (serverEnd, clientEnd) = PipePair.Create();
        await using var server = WebSocketConnection.Create(serverEnd, ConnectionRole.Server);
        await using var client = WebSocketConnection.Create(clientEnd, ConnectionRole.Client);
        var handling = server.HandleMessagesAsync(_ => throw new FormatException(marker), cancellationToken);
        await client.SendAsync(Message.Text("x"), cancellationToken);
        await client.Completion.ContinueWith(_ => { }, TaskScheduler.Default).WaitAsync(cancellationToken);
        await Until.TrueAsync(() => handling.IsFaulted, cancellationToken);
        return (new WeakReference<Task>(handling), client.CloseStatus?.Code);
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
