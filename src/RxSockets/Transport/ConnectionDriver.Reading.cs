using System.Buffers;
using System.IO.Pipelines;
using System.Reactive.Concurrency;
using System.Runtime.CompilerServices;
using RxSockets.Protocol;
using RxSockets.Protocol.Frames;

namespace RxSockets.Transport;

/// <summary>The read loop: the only reader of the transport. It hands the bytes to the protocol and acts on its events:
/// messages to the consumer, pings answered, the peer's close answered, a protocol error turned into our close.</summary>
internal sealed partial class ConnectionDriver
{
    private readonly MessageRateLimiter? _rateLimiter;
    private volatile bool _pongPaused;
    private long _lastReadTicks;

    /// <summary>True while the read loop holds back because <see cref="MaxPendingPongs"/> pongs wait for the writer.</summary>
    public bool IsPongPaused => _pongPaused;

    /// <summary>The connection's life: reads (this loop is the only reader) until the peer's close, the end of the
    /// stream, a protocol error or an abort; then waits for the writer's last pass and finishes. One state machine for
    /// both the reading and the ending, so an idle connection holds one box, not two.</summary>
    private async Task RunAsync()
    {
        await Task.Yield();
        var input = _transport.Input;
        try
        {
            while (true)
            {
                if (_paused && !_closingSignalled)
                {
                    await ParkAsync().ConfigureAwait(false);
                }

                var read = input.ReadAsync();
                _send.WakeAfterBatch(inline: true);
                var result = await read.ConfigureAwait(false);
                if (result.IsCanceled && !_aborted)
                {
                    // Cancelled by Pause, not by an abort: nothing is consumed; the loop parks (or reads on if Resume
                    // came first).
                    input.AdvanceTo(result.Buffer.Start);
                    continue;
                }

                // Broadcasts made while this read is handled wake their recipients' writers once, here, when the
                // handling returns to this loop (done, or at its first wait): each recipient writes the whole run.
                WakeBatch.EnterReadBatch();
                var handling = HandleReadAsync(result, input);
                WakeBatch.ExitReadBatch();
                if (!await handling.ConfigureAwait(false))
                {
                    break;
                }
            }
        }
        catch (ProtocolException error)
        {
            // The messages read before the error were delivered (see ProcessAsync). What the consumer sends in answer to
            // them goes out before our close frame: synchronously from its OnNext (the replies are queued already), or
            // within AnswerGrace. Only then is the send queue closed; nothing more is read or delivered.
            _send.WakeAfterBatch(inline: false);
            await LetConsumerAnswerAsync().ConfigureAwait(false);
            FailForPeer(error);
            await DrainAsync(input).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (_aborted)
        {
        }
        catch (Exception error) when (error is IOException or ObjectDisposedException or System.Net.Sockets.SocketException or InvalidOperationException)
        {
            Abort(error);
        }
        finally
        {
            // Whatever way reading ended, replies queued by the last batch still go out (or fail with the connection).
            _send.WakeAfterBatch(inline: false);
        }

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

        await _send.WaitForWriterAsync().ConfigureAwait(false);
        await FinishAsync().ConfigureAwait(false);
    }

    /// <summary>Handles one read's bytes. A method of its own, so the state the read loop keeps while it waits (for every
    /// idle connection) is only what crosses that wait.</summary>
    /// <returns>False when reading should stop.</returns>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<bool> HandleReadAsync(ReadResult result, PipeReader input)
    {
        if (result.IsCanceled || _aborted)
        {
            return false;   // aborted (see Stop): nothing more is parsed or delivered
        }

        var buffer = result.Buffer;
        if (_heartbeat is { } heartbeat)
        {
            heartbeat.OnActivity();
        }
        else
        {
            Volatile.Write(ref _lastReadTicks, _settings.Scheduler.Now.UtcTicks);
        }

        if (_protocol.CloseReceived)
        {
            // A client waits for the server to close TCP after the close handshake, ignoring anything else.
            input.AdvanceTo(buffer.End);
        }
        else if (await ProcessAsync(buffer, input).ConfigureAwait(false))
        {
            return false;
        }

        return !result.IsCompleted;
    }

    /// <summary>After failing the connection the peer's bytes cannot be parsed any more; discard them until the peer
    /// closes, within the close timeout, so our close frame is not destroyed by a reset.</summary>
    private static async ValueTask DrainAsync(PipeReader input)
    {
        try
        {
            await input.DrainAsync(CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception error) when (error is OperationCanceledException or IOException or ObjectDisposedException or System.Net.Sockets.SocketException or InvalidOperationException)
        {
            // The close timeout or a reset ended the wait; the outcome is already decided.
        }
    }

    /// <summary>Handles every complete event in <paramref name="buffer"/>, then advances the reader. The whole buffer
    /// is one batch (see <see cref="SendQueue.BeginBatch"/>), interrupted only while waiting for a slow consumer.</summary>
    /// <returns>True when reading should stop: a server has the peer's close frame, or the connection was aborted.</returns>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<bool> ProcessAsync(ReadOnlySequence<byte> buffer, PipeReader input)
    {
        _send.BeginBatch();
        try
        {
            while (true)
            {
                var kind = _protocol.Receive(ref buffer, out var message, out var control);
                switch (kind)
                {
                    case ProtocolEvent.NeedMoreData:
                        _inbound.ReleaseDeferredWake();
                        input.AdvanceTo(buffer.Start, buffer.End);
                        return false;
                    case ProtocolEvent.Message:
                        Diagnostics.RxSocketsMetrics.MessageReceived(Role, MetricsPort, message.Data.Length);
                        if (_rateLimiter?.TryTake() == false)
                        {
                            throw new ProtocolException(CloseCode.PolicyViolation, "message rate limit exceeded");
                        }

                        if (_inboundBroken)
                        {
                            // A message before this one could not be delivered (see DeliverSlowAsync): delivering this
                            // one would hand the consumer a stream with a hole in it. Count it instead.
                            CountDroppedIncoming();
                        }
                        else
                        {
                            var delivery = TryDeliver(message, out var handling);
                            if (delivery != DirectWrite.Queued && (delivery == DirectWrite.Refused || !handling.IsCompletedSuccessfully))
                            {
                                // The consumer is behind (or the handler still works on it): let the replies queued so
                                // far go out before waiting for it.
                                _send.EndBatch(wake: true);
                                if (delivery == DirectWrite.Refused)
                                {
                                    await DeliverSlowAsync(message).ConfigureAwait(false);
                                }
                                else
                                {
                                    await WaitForHandlerAsync(handling).ConfigureAwait(false);
                                }

                                _send.BeginBatch();
                            }
                        }

                        break;
                    case ProtocolEvent.Ping:
                        _inbound.ReleaseDeferredWake();
                        _observer.OnPing(control);
                        if (_protocol.ShouldAutoPong(_settings.AutoPong))
                        {
                            EnqueueControl(Opcode.Pong, control);
                            if (_send.PendingPongs >= MaxPendingPongs && !await WaitForPongRoomAsync().ConfigureAwait(false))
                            {
                                input.AdvanceTo(buffer.Start, buffer.End);
                                return true;
                            }
                        }

                        break;
                    case ProtocolEvent.Pong:
                        _inbound.ReleaseDeferredWake();
                        Volatile.Read(ref _pings)?.OnPong(control, static (driver, rtt) =>
                        {
                            Diagnostics.RxSocketsMetrics.PingRoundTrip(driver.Role, driver.MetricsPort, rtt);
                            driver._observer.OnRoundTrip(rtt);
                        }, this);

                        _observer.OnPong(control);
                        break;
                    case ProtocolEvent.Close:
                        _inbound.ReleaseDeferredWake();
                        // RFC 6455 §5.5.1: answer with a close frame, echoing the status code received.
                        AnswerClose();
                        input.AdvanceTo(buffer.Start, buffer.End);
                        return Role == ConnectionRole.Server;
                }
            }
        }
        finally
        {
            // Messages parsed before a protocol error still reach the consumer.
            _inbound.ReleaseDeferredWake();
            _send.EndBatch(wake: false);
        }
    }

    /// <summary>Stops reading until the writer has taken the queued pongs (see <see cref="MaxPendingPongs"/>). The
    /// batch ends first, so the writer runs for them. Unlike a slow consumer's wait, this one does not pause the
    /// keepalive deadline: a peer that does not read is what holds it up.</summary>
    /// <returns>False when the connection was aborted meanwhile: reading stops.</returns>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<bool> WaitForPongRoomAsync()
    {
        _send.EndBatch(wake: true);
        _pongPaused = true;
        try
        {
            await _send.WaitForPongRoomAsync(MaxPendingPongs).WaitAsync(ClosingToken()).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // We are closing: no more pongs are queued from now on (or the connection is aborted).
        }
        finally
        {
            _pongPaused = false;
        }

        _send.BeginBatch();
        return !_aborted;
    }
}
