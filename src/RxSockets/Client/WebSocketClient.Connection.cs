using RxSockets.Client;
using RxSockets.Connection;
using RxSockets.Reactive;
using RxSockets.Transport;

namespace RxSockets;

// One connection's life inside the run loop: attach the session layer, announce it, run the hook, hand it the queued
// messages, pump what it receives into Incoming, and report how it was lost.
public sealed partial class WebSocketClient
{
    /// <summary>Lives through one connection: attach, announce, hook, flush, then wait for its end.</summary>
    /// <returns>Why it ended, and whether that was a clean close handshake.</returns>
    private async Task<(Exception Loss, bool Clean)> LiveAsync(
        WebSocketConnection connection, int attempt, bool reconnected, TaskCompletionSource opened, CancellationToken stop)
    {
        Interlocked.Exchange(ref _current, connection);
        if (Volatile.Read(ref _paused) == 1)
        {
            connection.Pause();
        }

        var layer = SessionLayer;
        var pump = Task.CompletedTask;
        Exception? setupError = null;
        using var forwarding = new System.Reactive.Disposables.CompositeDisposable(
            connection.Pings.Subscribe(_pings.Next),
            connection.Pongs.Subscribe(_pongs.Next),
            connection.Rtt.Subscribe(_rtt.Next));
        try
        {
            stop.ThrowIfCancellationRequested();
            var resumed = layer is not null && await layer.AttachAsync(connection, stop).ConfigureAwait(false);
            pump = PumpAsync(connection, layer);
            SetState(ClientState.Open);
            Diagnostics.ClientLog.Connected(_logger, connection.Url, attempt, resumed);
            Publish(reconnected ? new ClientReconnected(Now, connection, attempt, resumed) : new ClientOpened(Now, connection));
            _connections.Next(connection);
            if (OnConnected is { } hook)
            {
                await hook(connection, stop).ConfigureAwait(false);
            }

            _sender.Attach(connection);
            opened.TrySetResult();
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            await Task.WhenAny(connection.CloseAsync(CloseCode.NormalClosure, "", CancellationToken.None)).ConfigureAwait(false);
        }
#pragma warning disable CA1031 // A failed attach or hook fails this connection; the loss is then handled like any other.
        catch (Exception error)
#pragma warning restore CA1031
        {
            setupError = error;
            connection.Abort();
        }

        Exception loss;
        var clean = false;
        try
        {
            await connection.Completion.ConfigureAwait(false);
            clean = true;
            var status = connection.CloseStatus;
            loss = new ConnectionClosedException($"The server closed the connection: {(int?)status?.Code} {status?.Reason}".TrimEnd(), connection.Driver.SentClose, status);
        }
        catch (ConnectionClosedException error)
        {
            loss = error;
        }

        _sender.Detach(connection);
        Volatile.Write(ref _current, null);
        await pump.ConfigureAwait(false);
        layer?.Detach();
        await connection.DisposeAsync().ConfigureAwait(false);
        if (setupError is not null)
        {
            return (setupError, false);
        }

        if (!stop.IsCancellationRequested)
        {
            var closed = (ConnectionClosedException)loss;
            if (closed.InnerException is KeepAliveTimeoutException)
            {
                Publish(new ClientHeartbeatTimeout(Now, connection));
            }

            Diagnostics.ClientLog.Disconnected(_logger, connection.Url, closed.Code, closed.Message);
            Publish(new ClientDisconnected(Now, closed));
        }

        return (loss, clean);
    }

    /// <summary>Moves one connection's messages into <see cref="Incoming"/>, through the session layer if any.</summary>
    private async Task PumpAsync(WebSocketConnection connection, IClientSessionLayer? layer)
    {
        await Task.Yield();
        try
        {
            await foreach (var wire in connection.ReadAllAsync(CancellationToken.None).ConfigureAwait(false))
            {
                var message = wire;
                if (layer is not null && await layer.ConsumeIncomingAsync(connection, wire, _disposing.Token).ConfigureAwait(false))
                {
                    continue;
                }

                if (layer is null || layer.TryUnwrapIncoming(wire, out message))
                {
                    await _inbound.WriteAsync(message, _disposing.Token).ConfigureAwait(false);
                }
            }
        }
        catch (ConnectionClosedException)
        {
            // The loss is reported from Completion.
        }
        catch (OperationCanceledException) when (_disposing.IsCancellationRequested)
        {
            // Disposed: nobody will read what is left.
        }
#pragma warning disable CA1031 // A session layer that throws fails this connection, never the client's loops.
        catch (Exception error)
#pragma warning restore CA1031
        {
            Diagnostics.ClientLog.ObserverFaulted(_logger, error);
            connection.Abort();
        }
    }
}
