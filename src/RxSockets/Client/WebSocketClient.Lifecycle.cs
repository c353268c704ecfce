namespace RxSockets;

// The client's lifecycle: each start or reconnect begins a run of the connection loop (RunAsync), each stop, close or
// dispose ends it.
public sealed partial class WebSocketClient
{
    /// <summary>Starts connecting, and completes when the first connection is open (after <see cref="OnConnected"/>).
    /// A failure worth retrying is retried as after a loss.</summary>
    /// <param name="cancellationToken">Stops waiting; the client keeps trying (call <see cref="StopAsync"/> to stop it).</param>
    /// <exception cref="InvalidOperationException">Already started.</exception>
    /// <exception cref="Exception">In the task: the failure that made the client give up or stop before opening.</exception>
    public Task StartAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) == 1, this);
        lock (_gate)
        {
            if (_started)
            {
                throw new InvalidOperationException("The client is already started; use ReconnectAsync to connect again.");
            }

            _started = true;
            _sender.Start(SessionLayer);
        }

        return BeginRun().WaitAsync(cancellationToken);
    }

    /// <summary>Connects again now: closes the current connection with 1000 (or cuts a backoff wait short, or restarts a
    /// client that gave up or was stopped) and completes when the new connection is open.</summary>
    /// <param name="cancellationToken">Stops waiting; the client keeps trying.</param>
    public async Task ReconnectAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) == 1, this);
        lock (_gate)
        {
            if (!_started)
            {
                _started = true;
                _sender.Start(SessionLayer);
            }
        }

        await EndRunAsync(emitClosed: false).ConfigureAwait(false);
        await BeginRun().WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Closes the current connection with 1000 and stops: no reconnect after. Queued messages stay queued for a
    /// later <see cref="ReconnectAsync"/>.</summary>
    /// <param name="cancellationToken">Stops waiting for the close.</param>
    public Task StopAsync(CancellationToken cancellationToken = default) =>
        EndRunAsync(emitClosed: true).WaitAsync(cancellationToken);

    /// <summary>Closes the current connection with <paramref name="code"/> and <paramref name="reason"/> and stops, as
    /// <see cref="StopAsync"/> does: no reconnect after (<see cref="ReconnectAsync"/> starts again), queued messages
    /// stay queued, and <see cref="ClientClosed"/> reports that status. Without a connection it only stops.</summary>
    /// <param name="code">The code to send: 1000–1003, 1007–1014 or 3000–4999.</param>
    /// <param name="reason">At most 123 UTF-8 bytes.</param>
    /// <param name="cancellationToken">Stops waiting for the close.</param>
    /// <exception cref="ArgumentException">The code may not be sent or the reason is too long.</exception>
    public Task CloseAsync(CloseCode code = CloseCode.NormalClosure, string reason = "", CancellationToken cancellationToken = default)
    {
        var status = new CloseStatus(code, reason);
        Protocol.Frames.ClosePayload.ValidateOutgoing(status);
        return EndRunAsync(emitClosed: true, status).WaitAsync(cancellationToken);
    }

    /// <summary>Stops (closing with 1000), completes every stream and releases everything. Never throws.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        // First, so a pump waiting for room in Incoming (nobody consuming) lets go.
        await _disposing.CancelAsync().ConfigureAwait(false);
        await EndRunAsync(emitClosed: _started).ConfigureAwait(false);
        await _sender.DisposeAsync().ConfigureAwait(false);
        _messaging?.Dispose();
        _inbound.TryComplete();
        _inboundEnd.TrySetResult();
        _opened.TrySetException(new ObjectDisposedException(nameof(WebSocketClient)));
        _ = _opened.Task.Exception;
        _states.Set(ClientState.Disposed, final: true);
        lock (_eventGate)
        {
            _events.Complete();
        }

        _connections.Complete();
        _pings.Complete();
        _pongs.Complete();
        _rtt.Complete();
        _disposing.Dispose();
    }

    /// <summary>"WebSocketClient Open ws://host/path".</summary>
    public override string ToString() => $"WebSocketClient {State} {Url}";

    private Task BeginRun()
    {
        lock (_gate)
        {
            if (_opened.Task.IsCompleted)
            {
                _opened = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            }

            _run = CancellationTokenSource.CreateLinkedTokenSource(_disposing.Token);
            _running = RunAsync(_opened, _run.Token);
            return _opened.Task;
        }
    }

    private async Task EndRunAsync(bool emitClosed, CloseStatus? status = null)
    {
        var close = status ?? new CloseStatus(CloseCode.NormalClosure);
        CancellationTokenSource? run;
        Task running;
        lock (_gate)
        {
            run = _run;
            running = _running;
            _run = null;
        }

        if (run is null)
        {
            return;
        }

        await run.CancelAsync().ConfigureAwait(false);
        if (Volatile.Read(ref _current) is { } connection)
        {
            await Task.WhenAny(connection.CloseAsync(close.Code, close.Reason, CancellationToken.None)).ConfigureAwait(false);
        }

        await running.ConfigureAwait(false);
        run.Dispose();
        if (emitClosed && State != ClientState.Closed)
        {
            SetState(ClientState.Closed);
            Publish(new ClientClosed(Now, close, null));
        }
    }
}
