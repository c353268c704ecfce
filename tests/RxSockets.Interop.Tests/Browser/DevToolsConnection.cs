using System.Buffers;
using System.Collections.Concurrent;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace RxSockets.Interop.Tests.Browser;

/// <summary>
/// The Chrome DevTools Protocol over one WebSocket: numbered commands answered by id, and events routed to the
/// session (page) they belong to. It uses the BCL's <see cref="ClientWebSocket"/>, not RxSockets, so that a fault in
/// the code under test cannot hide in the harness. Thread-safe: commands may be sent concurrently.
/// </summary>
internal sealed class DevToolsConnection : IAsyncDisposable
{
    private readonly ClientWebSocket _socket;
    private readonly ConcurrentDictionary<int, TaskCompletionSource<JsonElement>> _pending = new();
    private readonly ConcurrentDictionary<string, Action<string, JsonElement>> _sessions = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _sendLock = new(1, 1);
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _receiveLoop;
    private int _nextId;

    private DevToolsConnection(ClientWebSocket socket)
    {
        _socket = socket;
        _receiveLoop = ReceiveLoopAsync();
    }

    /// <summary>Connects to the browser endpoint Chromium printed (<c>ws://127.0.0.1:port/devtools/browser/…</c>).</summary>
    public static async Task<DevToolsConnection> ConnectAsync(Uri endpoint, CancellationToken cancellationToken)
    {
        var socket = new ClientWebSocket();
        try
        {
            await socket.ConnectAsync(endpoint, cancellationToken);
        }
        catch
        {
            socket.Dispose();
            throw;
        }

        return new DevToolsConnection(socket);
    }

    /// <summary>Routes the events of <paramref name="sessionId"/> to <paramref name="handler"/> (method, params).</summary>
    public void Route(string sessionId, Action<string, JsonElement> handler) => _sessions[sessionId] = handler;

    /// <summary>Sends <paramref name="method"/> and returns its <c>result</c>; a protocol error throws <see cref="BrowserException"/>.</summary>
    public async Task<JsonElement> SendAsync(string method, JsonObject? parameters, string? sessionId, CancellationToken cancellationToken)
    {
        var id = Interlocked.Increment(ref _nextId);
        var reply = new TaskCompletionSource<JsonElement>(TaskCreationOptions.RunContinuationsAsynchronously);
        _pending[id] = reply;
        var command = new JsonObject { ["id"] = id, ["method"] = method, ["params"] = parameters ?? [] };
        if (sessionId is not null)
        {
            command["sessionId"] = sessionId;
        }

        try
        {
            var bytes = Encoding.UTF8.GetBytes(command.ToJsonString());
            await _sendLock.WaitAsync(cancellationToken);
            try
            {
                await _socket.SendAsync(bytes, WebSocketMessageType.Text, endOfMessage: true, cancellationToken);
            }
            finally
            {
                _sendLock.Release();
            }

            return await reply.Task.WaitAsync(cancellationToken);
        }
        finally
        {
            _pending.TryRemove(id, out _);
        }
    }

    /// <summary>Closes the socket, bounded, and stops the receive loop. Never throws.</summary>
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try
        {
            await _receiveLoop;
        }
        catch (Exception error) when (error is OperationCanceledException or WebSocketException)
        {
            // The loop ends by cancellation or by the browser going away; both are expected here.
        }

        _socket.Dispose();
        _sendLock.Dispose();
        _stop.Dispose();
    }

    private async Task ReceiveLoopAsync()
    {
        var buffer = new ArrayBufferWriter<byte>(64 * 1024);
        Exception ending = new BrowserException("The DevTools connection closed.");
        try
        {
            while (_socket.State == WebSocketState.Open)
            {
                var result = await _socket.ReceiveAsync(buffer.GetMemory(64 * 1024), _stop.Token);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    break;
                }

                buffer.Advance(result.Count);
                if (result.EndOfMessage)
                {
                    Dispatch(buffer.WrittenMemory);
                    buffer.ResetWrittenCount();
                }
            }
        }
        catch (Exception error) when (error is OperationCanceledException or WebSocketException)
        {
            ending = new BrowserException("The DevTools connection closed.", error);
        }
        finally
        {
            foreach (var pending in _pending.Values)
            {
                pending.TrySetException(ending);
            }
        }
    }

    private void Dispatch(ReadOnlyMemory<byte> json)
    {
        using var document = JsonDocument.Parse(json);
        var root = document.RootElement;
        if (root.TryGetProperty("id", out var idElement))
        {
            if (!_pending.TryGetValue(idElement.GetInt32(), out var reply))
            {
                return;
            }

            if (root.TryGetProperty("error", out var error))
            {
                reply.TrySetException(new BrowserException($"DevTools error: {error.GetRawText()}"));
            }
            else
            {
                reply.TrySetResult(root.TryGetProperty("result", out var result) ? result.Clone() : default);
            }

            return;
        }

        if (root.TryGetProperty("sessionId", out var session)
            && session.GetString() is { } sessionId
            && _sessions.TryGetValue(sessionId, out var handler)
            && root.TryGetProperty("method", out var method))
        {
            var parameters = root.TryGetProperty("params", out var p) ? p.Clone() : default;
            handler(method.GetString() ?? string.Empty, parameters);
        }
    }
}
