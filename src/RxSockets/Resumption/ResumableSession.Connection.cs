using System.Reactive.Concurrency;
using System.Threading.Channels;
using RxSockets.Resumption;

namespace RxSockets;

// The connection carrying the session: attaching a client's (new or returning) connection, replaying what it missed,
// reading and acknowledging its messages, and noticing when it goes away.
#pragma warning disable CA1001 // See ResumableSession.cs: its SemaphoreSlim holds nothing to dispose.
public sealed partial class ResumableSession
#pragma warning restore CA1001
{
    /// <summary>The last number received from the client.</summary>
    internal long LastReceived => _stream.LastReceived;

    /// <summary>Whether a client that received our messages up to <paramref name="clientLastReceived"/> and can
    /// replay its own from <paramref name="clientFirstRetained"/> continues this session without a gap.</summary>
    internal bool CanResume(long clientLastReceived, long clientFirstRetained) =>
        _stream.CanReplayAfter(clientLastReceived) && clientFirstRetained <= _stream.LastReceived + 1;

    /// <summary>Makes <paramref name="connection"/> the session's connection: takes over from a previous one still
    /// attached, answers the hello, starts reading, then replays what the client missed. False when the session can
    /// no longer continue (it has ended then: see <see cref="EndStatus"/> for an end the client must be told, otherwise
    /// the caller starts a fresh one).</summary>
    internal async Task<bool> AttachAsync(WebSocketConnection connection, long clientLastReceived, long clientFirstRetained, bool fresh,
        CancellationToken cancellationToken)
    {
        ResumeAttachment? stale;
        lock (_gate)
        {
            if (_isEnded || _endStatus is not null)
            {
                return false;
            }

            stale = _current;
        }

        // Drop the old connection before waiting for the send path: a send stuck on a stalled connection (full
        // buffers, nobody reading) holds that path, and only failing the connection releases it.
        stale?.Stop();
        await _sendLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ResumeAttachment? previous;
            lock (_gate)
            {
                previous = _current;
                _current = null;
                _expiry?.Dispose();
                _expiry = null;
            }

            if (previous is not null)
            {
                // The client came back before we noticed it left (a half-open connection): the new one wins.
                previous.Stop();
                await previous.Pump.ConfigureAwait(false);
            }

            lock (_gate)
            {
                if (_isEnded || _endStatus is not null)
                {
                    return false;
                }
            }

            if (!fresh && !CanResume(clientLastReceived, clientFirstRetained))
            {
                Diagnostics.RxSocketsMetrics.ResumeAttempt(ConnectionRole.Server, "gap", 0);
                End(new ConnectionClosedException($"The resumable session {Id} could not continue: its client came back after a gap the replay logs no longer cover."));
                return false;
            }

            var replay = fresh ? [] : _stream.Resume(clientLastReceived);
            await connection.SendAsync(ResumeEnvelope.Welcome(Id, _stream.LastReceived, resumed: !fresh), cancellationToken).ConfigureAwait(false);
            var attachment = new ResumeAttachment(connection);
            lock (_gate)
            {
                if (_isEnded)
                {
                    attachment.Dispose();
                    return false;
                }

                _current = attachment;
                attachment.AckTimer = _scheduler.SchedulePeriodic(_ackInterval, () => SendAck(connection));
                attachment.Pump = PumpAsync(attachment);
            }

            if (!fresh)
            {
                Interlocked.Increment(ref _resumes);
                Diagnostics.RxSocketsMetrics.ResumeAttempt(ConnectionRole.Server, "resumed", replay.Length);
            }

            foreach (var message in replay)
            {
                await SendQuietlyAsync(connection, message).ConfigureAwait(false);
            }

            return true;
        }
        finally
        {
            _sendLock.Release();
        }
    }

    private static async ValueTask SendQuietlyAsync(WebSocketConnection connection, Message wire)
    {
        try
        {
            await connection.SendAsync(wire, CancellationToken.None).ConfigureAwait(false);
        }
        catch (ConnectionClosedException)
        {
            // The message stays in the replay log and goes out again when the client resumes.
        }
    }

    private async Task PumpAsync(ResumeAttachment attachment)
    {
        await Task.Yield();
        var connection = attachment.Connection;
        var clean = false;
        try
        {
            clean = true;
            await foreach (var wire in connection.ReadAllAsync(attachment.Token).ConfigureAwait(false))
            {
                if (!await ReceiveAsync(connection, wire, attachment.Token).ConfigureAwait(false))
                {
                    clean = false;
                    break;
                }
            }
        }
        catch (Exception error) when (error is ConnectionClosedException or OperationCanceledException or ChannelClosedException)
        {
            clean = false;
        }

        OnDetached(attachment, clean);
        await connection.DisposeAsync().ConfigureAwait(false);
        attachment.Dispose();
    }

    /// <summary>Handles one message of the current connection; false when the client broke the protocol.</summary>
    private async ValueTask<bool> ReceiveAsync(WebSocketConnection connection, Message wire, CancellationToken cancellationToken)
    {
        if (!ResumeEnvelope.TryDecode(wire, out var frame))
        {
            ResumeProtocol.Violated(connection, "a malformed message");
            return false;
        }

        switch (frame.Kind)
        {
            case ResumeFrameKind.Data:
                var verdict = _stream.Check(frame.Sequence);
                if (verdict == InboundVerdict.Gap)
                {
                    ResumeProtocol.Violated(connection, $"message {frame.Sequence} arrived before {_stream.LastReceived + 1}");
                    return false;
                }

                if (verdict == InboundVerdict.Next)
                {
                    // Counted as received only once queued for the user: a takeover during the wait loses nothing.
                    await _inbound.WriteAsync(frame.Payload, cancellationToken).ConfigureAwait(false);
                    if (_stream.Commit(frame.Sequence))
                    {
                        SendAck(connection);
                    }
                }

                return true;
            case ResumeFrameKind.Ack when _stream.Acknowledge(frame.Sequence):
                if (_stream.AllAcknowledged)
                {
                    lock (_gate)
                    {
                        _drained?.TrySetResult();
                        _drained = null;
                    }
                }

                return true;
            default:
                ResumeProtocol.Violated(connection, $"an unexpected {frame.Kind} message");
                return false;
        }
    }

    private void OnDetached(ResumeAttachment attachment, bool clean)
    {
        attachment.AckTimer?.Dispose();
        lock (_gate)
        {
            if (_current != attachment || _isEnded)
            {
                return;
            }

            _current = null;
            if (!clean)
            {
                _expiry = _scheduler.Schedule(_timeout, () => End(new TimeoutException(
                    $"The resumable session {Id} expired: its client did not come back within {_timeout}.")));
                return;
            }
        }

        // The client closed with the close handshake: it is not coming back.
        End(null);
    }

    private void SendAck(WebSocketConnection connection)
    {
        if (_stream.TryGetAck(out var sequence) && connection.Driver.Outbox.TrySend(ResumeEnvelope.Ack(sequence)))
        {
            _stream.MarkAckSent(sequence);
        }
    }
}
