using System.Net.WebSockets;

namespace RxSockets.Bench.ClientWebSocketLoad;

/// <summary>
/// Keeps a window of binary messages outstanding on one connection: a send loop waits for window
/// space, a receive loop counts echoes and frees space.
/// </summary>
/// <remarks>
/// <see cref="Received"/> may be read from any thread; <see cref="Start"/> and <see cref="StopAsync"/> are called
/// once each by the owner. ClientWebSocket allows one send and one receive at a time, which is exactly the two loops.
/// </remarks>
internal sealed class WindowedEcho(ClientWebSocket socket, int size, int window) : IAsyncDisposable
{
    private static readonly TimeSpan s_closeTimeout = TimeSpan.FromSeconds(5);
    private readonly SemaphoreSlim _window = new(window, window);
    private readonly CancellationTokenSource _stopSending = new();
    private readonly byte[] _payload = CreatePayload(size);
    private long _received;
    private Task? _sendLoop;
    private Task? _receiveLoop;
    private int _disposed;

    /// <summary>Echoes received so far.</summary>
    public long Received => Interlocked.Read(ref _received);

    /// <summary>Starts both loops.</summary>
    public void Start()
    {
        _receiveLoop = Task.Run(ReceiveLoopAsync);
        _sendLoop = Task.Run(SendLoopAsync);
    }

    /// <summary>
    /// Stops sending, then closes: RFC 6455 §5.5.1 makes the server's close reply follow every echo it
    /// owed, so the receive loop drains the window before it sees the close. Bounded; aborts on timeout.
    /// </summary>
    /// <returns>A task that completes when both loops have ended.</returns>
    public async Task StopAsync()
    {
        await _stopSending.CancelAsync();
        var loops = Task.WhenAll(_sendLoop ?? Task.CompletedTask, _receiveLoop ?? Task.CompletedTask);
        try
        {
            await (_sendLoop ?? Task.CompletedTask);
            using var timeout = new CancellationTokenSource(s_closeTimeout);
            await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "done", timeout.Token);
            await loops.WaitAsync(s_closeTimeout);
        }
        catch (Exception e) when (e is TimeoutException or OperationCanceledException or WebSocketException)
        {
            socket.Abort();
        }
        finally
        {
            await DisposeAsync();
        }

        await loops;
    }

    /// <summary>Releases the socket and the loops' primitives; idempotent and never throws.</summary>
    /// <returns>A completed task.</returns>
    public ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            socket.Dispose();
            _stopSending.Dispose();
            _window.Dispose();
        }

        return ValueTask.CompletedTask;
    }

    private static byte[] CreatePayload(int size)
    {
        var payload = new byte[size];
        Random.Shared.NextBytes(payload);
        return payload;
    }

    private async Task SendLoopAsync()
    {
        var token = _stopSending.Token;
        try
        {
            while (true)
            {
                await _window.WaitAsync(token);

                // Not cancellable: cancelling a pending send aborts the ClientWebSocket instead of closing it.
                await socket.SendAsync(_payload, WebSocketMessageType.Binary, endOfMessage: true, CancellationToken.None);
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
        }
    }

    private async Task ReceiveLoopAsync()
    {
        var reader = new MessageReader(socket, size);
        try
        {
            while (await reader.ReadAsync(CancellationToken.None))
            {
                Interlocked.Increment(ref _received);
                _window.Release();
            }
        }
        catch (Exception e) when (e is WebSocketException or ObjectDisposedException && _stopSending.IsCancellationRequested)
        {
        }
    }
}
