namespace RxSockets;

/// <summary>Stopping: the graceful shutdown (no new handshakes, 1001 to every connection, then the features).</summary>
public sealed partial class WebSocketServer
{
    /// <summary>Stops accepting, closes every connection with 1001 (going away), waits up to the close timeout for
    /// the close handshakes, then aborts what is left. Idempotent.</summary>
    /// <param name="cancellationToken">Stops waiting (the shutdown goes on).</param>
    public async ValueTask StopAsync(CancellationToken cancellationToken = default)
    {
        if (Interlocked.Exchange(ref _stopRequested, 1) == 0)
        {
            _ = ShutdownAsync();
        }

        await _stopped.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Stops the server (see <see cref="StopAsync"/>). Never throws.</summary>
    public async ValueTask DisposeAsync() => await StopAsync(CancellationToken.None).ConfigureAwait(false);

    private async Task ShutdownAsync()
    {
        try
        {
            _stopping.Cancel();
            _listener?.Dispose();
            await _acceptLoop.ConfigureAwait(false);

            // No handshake starts any more: give up the accept loop's count and wait for the last one to end.
            if (Interlocked.Decrement(ref _handshakes) > 0)
            {
                await _handshakesDone.Task.ConfigureAwait(false);
            }

            var clients = _registry.Snapshot;
            Diagnostics.Log.Stopping(_logger, clients.Count);
            await Task.WhenAll(clients.Select(CloseGoingAwayAsync)).ConfigureAwait(false);
        }
        finally
        {
            _tls?.Dispose();
            _resume.Stop();
            _messaging.Stop();
            await _node.StopAsync().ConfigureAwait(false);
            _accepted.Writer.TryComplete();
            _failureObservers.Complete();
            _stopped.TrySetResult();
        }
    }

    private static async Task CloseGoingAwayAsync(WebSocketConnection connection)
    {
        try
        {
            // Bounded by the connection's close timeout, after which it aborts itself.
            await connection.CloseAsync(CloseCode.GoingAway, "server shutting down").ConfigureAwait(false);
        }
        catch (ConnectionClosedException)
        {
            // Ended abnormally: it is gone all the same.
        }

        await connection.DisposeAsync().ConfigureAwait(false);
    }
}
