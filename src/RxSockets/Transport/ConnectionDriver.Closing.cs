using System.Reactive.Concurrency;
using RxSockets.Protocol;
using RxSockets.Protocol.Connection;

namespace RxSockets.Transport;

/// <summary>The coordination of the connection's end: what the driver does once the protocol has decided our close
/// (refuse more data, start the close timeout, end the read loop's waits, wake the writer), the timeout's input back to
/// the protocol, an abort, and the end of the connection.</summary>
internal sealed partial class ConnectionDriver
{
    private IDisposable? _closeTimer;

    /// <summary>Starts the close handshake after the queued messages, and waits for the connection to end.</summary>
    public async Task CloseAsync(CloseStatus status, CancellationToken cancellationToken)
    {
        BeginClose(status);
        await Completion.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Starts the close handshake after the queued messages, without waiting.</summary>
    public void BeginClose(CloseStatus status) => RequestClose(status, failFast: false, error: null);

    /// <summary>Fails the connection: closes with <paramref name="status"/> at once, dropping queued messages.</summary>
    public void Fail(CloseStatus status, Exception error) => RequestClose(status, failFast: true, error);

    /// <summary>Ends the connection at once, without a close handshake (ws's <c>terminate()</c>).</summary>
    public void Abort(Exception? reason = null) => Stop(reason ?? new OperationCanceledException("The connection was aborted."));

    /// <summary>Queues our close frame once (see <see cref="ConnectionProtocol.QueueClose"/>).</summary>
    private void RequestClose(CloseStatus? status, bool failFast, Exception? error) =>
        DecideClose(static (protocol, request) => protocol.QueueClose(request.status, request.failFast, request.error), (status, failFast, error));

    /// <summary>Answers the peer's close frame (see <see cref="ConnectionProtocol.QueueCloseEcho"/>).</summary>
    private void AnswerClose() => DecideClose(static (protocol, _) => protocol.QueueCloseEcho(), 0);

    /// <summary>Fails the connection for the peer's protocol error (see <see cref="ConnectionProtocol.QueueFailure"/>).</summary>
    private void FailForPeer(ProtocolException error) => DecideClose(static (protocol, error) => protocol.QueueFailure(error), error);

    /// <summary>Lets the protocol decide our close (under the lock); once it has, no more data is accepted, the close
    /// timeout starts, the read loop's waits end and the writer runs to send it.</summary>
    private void DecideClose<TState>(Func<ConnectionProtocol, TState, bool> decide, TState state)
    {
        lock (this)
        {
            if (!decide(_protocol, state))
            {
                return;
            }

            _outbox.Complete();
            if (_settings.CloseTimeout != Timeout.InfiniteTimeSpan)
            {
                _closeTimer = _settings.Scheduler.Schedule(_settings.CloseTimeout, OnCloseTimeout);
            }
        }

        _inbox.SignalClosing();
        SetState(ConnectionState.Closing);
        _outbox.WakeNow();
    }

    private void OnCloseTimeout() => Stop(_protocol.CloseTimedOut(_settings.CloseTimeout));

    /// <summary>Stops both loops; a null <paramref name="failure"/> ends a connection whose close handshake is done.</summary>
    private void Stop(Exception? failure)
    {
        lock (this)
        {
            _protocol.TransportEnded(failure);
        }

        // Nothing queued from now on would be written: refuse it rather than accept and lose it.
        _outbox.Complete();
        _inbox.SignalClosing();
        _outbox.Abort();
    }

    /// <summary>After reading: waits for the writer's last pass, closes the transport, and settles the outcome.</summary>
    private async Task FinishAsync()
    {
        bool vanished;
        lock (this)
        {
            vanished = _protocol.ReadEnded();
        }

        if (vanished)
        {
            // The peer vanished without a close frame: nothing more can be written.
            Stop(null);
        }

        await _outbox.WaitForWriterAsync().ConfigureAwait(false);
        StopKeepAlive();
        _closeTimer?.Dispose();
        var clean = _protocol.IsClean;
        await _outbox.CloseTransportAsync(shutdownFirst: clean && Role == ConnectionRole.Server).ConfigureAwait(false);
        _protocol.Release();
        _inbox.TryComplete();
        var outcome = _protocol.Outcome(clean);
        _outbox.Finish(outcome ?? new ConnectionClosedException("The connection closed before the pong arrived.", SentClose, ReceivedClose));
        Diagnostics.RxSocketsMetrics.ConnectionClosed(Role, MetricsPort, ReceivedClose?.Code ?? SentClose?.Code, _openedAt);
        ConnectionDriverRegistry.Remove(this);
        SetState(ConnectionState.Closed);
        if (outcome is null)
        {
            TrySetResult();
        }
        else
        {
            TrySetException(outcome);

            // Reading the exception marks it observed: nobody has to await Completion to avoid UnobservedTaskException.
            _ = Task.Exception;
        }
    }

    private void SetState(ConnectionState state)
    {
        if (_protocol.TrySetState(state))
        {
            _observer.OnStateChanged(state);
        }
    }
}
