using System.Diagnostics;
using System.Net.WebSockets;

namespace RxSockets.Bench.FanoutLoad;

/// <summary>One fan-out measurement: the subscribers, the publisher and the delivery count.</summary>
internal sealed class FanoutRun : IAsyncDisposable
{
    private readonly ClientWebSocket[] _subscribers;
    private readonly ClientWebSocket _publisher;
    private readonly int _window;
    private readonly Task[] _receivers;
    private long _delivered;
    private TaskCompletionSource? _waiter;
    private long _published;

    private FanoutRun(ClientWebSocket[] subscribers, ClientWebSocket publisher, int window)
    {
        _subscribers = subscribers;
        _publisher = publisher;
        _window = window;
        _receivers = [.. subscribers.Select(ReceiveLoopAsync)];
    }

    public static async Task<FanoutRun> OpenAsync(Uri url, int connections, int window)
    {
        var subscribers = new ClientWebSocket[connections];
        for (var start = 0; start < connections; start += 100)
        {
            var batch = Enumerable.Range(start, Math.Min(100, connections - start)).Select(async i =>
            {
                subscribers[i] = new ClientWebSocket();
                await subscribers[i].ConnectAsync(url, CancellationToken.None);
            });
            await Task.WhenAll(batch);
        }

        var publisher = new ClientWebSocket();
        await publisher.ConnectAsync(url, CancellationToken.None);
        return new FanoutRun(subscribers, publisher, window);
    }

    /// <summary>Publishes for warm-up plus duration; returns the deliveries per second after the warm-up.</summary>
    public async Task<double> MeasureAsync(int size, TimeSpan warmup, TimeSpan duration)
    {
        var payload = new byte[size];
        Random.Shared.NextBytes(payload);
        var clock = Stopwatch.StartNew();
        long startCount = -1;
        var measured = TimeSpan.Zero;
        while (true)
        {
            var elapsed = clock.Elapsed;
            if (startCount < 0 && elapsed >= warmup)
            {
                startCount = Interlocked.Read(ref _delivered);
            }

            if (elapsed >= warmup + duration)
            {
                measured = elapsed - warmup;
                break;
            }

            if (Outstanding() >= (long)_window * _subscribers.Length)
            {
                var waiter = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                Volatile.Write(ref _waiter, waiter);
                if (Outstanding() >= (long)_window * _subscribers.Length)
                {
                    await Task.WhenAny(waiter.Task, Task.Delay(50));
                }

                Volatile.Write(ref _waiter, null);
                continue;
            }

            await _publisher.SendAsync(payload, WebSocketMessageType.Binary, endOfMessage: true, CancellationToken.None);
            Interlocked.Increment(ref _published);
        }

        return (Interlocked.Read(ref _delivered) - startCount) / measured.TotalSeconds;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var socket in _subscribers.Append(_publisher))
        {
            socket.Abort();
            socket.Dispose();
        }

        await Task.WhenAll(_receivers.Select(r => r.ContinueWith(_ => { }, TaskScheduler.Default)));
    }

    private long Outstanding() => (Interlocked.Read(ref _published) * _subscribers.Length) - Interlocked.Read(ref _delivered);

    private async Task ReceiveLoopAsync(ClientWebSocket socket)
    {
        var buffer = new byte[64 * 1024];
        try
        {
            while (true)
            {
                var result = await socket.ReceiveAsync(buffer.AsMemory(), CancellationToken.None);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    return;
                }

                if (result.EndOfMessage)
                {
                    Interlocked.Increment(ref _delivered);
                    if (Volatile.Read(ref _waiter) is { } waiter && Outstanding() <= (long)_window * _subscribers.Length / 2)
                    {
                        waiter.TrySetResult();
                    }
                }
            }
        }
        catch (Exception error) when (error is WebSocketException or OperationCanceledException or ObjectDisposedException)
        {
            // Aborted at the end of the run.
        }
    }
}
