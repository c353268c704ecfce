using System.Reactive.Concurrency;
using RxSockets.Protocol;
using RxSockets.Protocol.Connection;

namespace RxSockets.Transport;

/// <summary>The close handshake's I/O: what the driver does once the protocol has decided our close (refuse more data,
/// start the close timeout, wake the writer), the timeout's input back to the protocol, and the end of the connection.</summary>
internal sealed partial class ConnectionDriver
{
    /// <summary>Queues our close frame once (see <see cref="ConnectionProtocol.QueueClose"/>).</summary>
    private void RequestClose(CloseStatus? status, bool failFast, Exception? error)
    {
        lock (this)
        {
            if (!_protocol.QueueClose(status, failFast, error))
            {
                return;
            }

            ArmClose();
        }

        AnnounceClosing();
    }

    /// <summary>Answers the peer's close frame (see <see cref="ConnectionProtocol.QueueCloseEcho"/>).</summary>
    private void AnswerClose()
    {
        lock (this)
        {
            if (!_protocol.QueueCloseEcho())
            {
                return;
            }

            ArmClose();
        }

        AnnounceClosing();
    }

    /// <summary>Fails the connection for the peer's protocol error (see <see cref="ConnectionProtocol.QueueFailure"/>).</summary>
    private void FailForPeer(ProtocolException error)
    {
        lock (this)
        {
            if (!_protocol.QueueFailure(error))
            {
                return;
            }

            ArmClose();
        }

        AnnounceClosing();
    }

    /// <summary>Our close was just decided (under the lock): no more data is accepted, and the close timeout starts.</summary>
    private void ArmClose()
    {
        _send.Complete();
        if (_settings.CloseTimeout != Timeout.InfiniteTimeSpan)
        {
            _closeTimer = _settings.Scheduler.Schedule(_settings.CloseTimeout, OnCloseTimeout);
        }
    }

    private void AnnounceClosing()
    {
        SignalClosing();
        SetState(ConnectionState.Closing);
        _send.WakeNow();
    }

    private void OnCloseTimeout() => Stop(_protocol.CloseTimedOut(_settings.CloseTimeout));

    private async Task FinishAsync()
    {
        _heartbeat?.Dispose();
        _closeTimer?.Dispose();
        var clean = _protocol.IsClean;
        try
        {
            await _transport.CloseAsync(clean && Role == ConnectionRole.Server).ConfigureAwait(false);
        }
        catch (Exception error) when (error is IOException or ObjectDisposedException or System.Net.Sockets.SocketException)
        {
            // The socket is going away regardless; the outcome below already says how.
        }

        _protocol.Release();
        _inbound.TryComplete();
        _send.Complete();
        var outcome = _protocol.Outcome(clean);
        Volatile.Read(ref _pings)?.FailAll(outcome ?? new ConnectionClosedException("The connection closed before the pong arrived.", SentClose, ReceivedClose));
        Diagnostics.RxSocketsMetrics.ConnectionClosed(Role, MetricsPort, ReceivedClose?.Code ?? SentClose?.Code, _openedAt);
        ConnectionDriverRegistry.Remove(this);
        SetState(ConnectionState.Closed);
        if (outcome is null)
        {
            _completion.TrySetResult();
        }
        else
        {
            _completion.TrySetException(outcome);

            // Reading the exception marks it observed: nobody has to await Completion to avoid UnobservedTaskException.
            _ = _completion.Task.Exception;
        }
    }
}
