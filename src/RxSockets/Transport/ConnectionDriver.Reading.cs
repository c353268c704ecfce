using System.Buffers;
using System.IO.Pipelines;
using System.Runtime.CompilerServices;
using RxSockets.Protocol;

namespace RxSockets.Transport;

/// <summary>The read loop: the only reader of the transport. It hands the bytes to the protocol and acts on its events:
/// messages to the <see cref="Inbox"/>, pings answered through the <see cref="Outbox"/>, the peer's close answered, a
/// protocol error turned into our close.</summary>
internal sealed partial class ConnectionDriver
{
    // Resumes the read loop when an idle connection's read completes (see IReadWaitSource): no delegate per connection.
    private static readonly Action<object?> s_readCompleted = static state => _ = ((ConnectionDriver)state!).RunAsync(resumed: true);

    private readonly MessageRateLimiter? _rateLimiter;
    private long _lastReadTicks;

    /// <summary>The connection's life: reads (this loop is the only reader) until the peer's close, the end of the
    /// stream, a protocol error or an abort; then waits for the writer's last pass and finishes. One state machine for
    /// both the reading and the ending, so a connection that waits in it holds one box, not two; and none while it waits
    /// for data from a transport that is an <see cref="IReadWaitSource"/> (epoll): it then returns, leaving a callback
    /// on the pending read, which calls it again (<paramref name="resumed"/>) to take that read's result. A state
    /// machine is then kept only while a wait other than for data is under way (backpressure, a pause, a slow
    /// handler, the end).</summary>
    /// <remarks>Nothing awaits its task: it handles every failure itself, and <see cref="Completion"/> tells the
    /// end.</remarks>
    private async Task RunAsync(bool resumed)
    {
        var input = _outbox.Transport.Input;
        var waitingForData = false;
        try
        {
            while (true)
            {
                ReadResult result;
                if (resumed)
                {
                    resumed = false;
                    result = ((IReadWaitSource)input).GetReadResult();
                }
                else
                {
                    if (_inbox.ShouldPark)
                    {
                        await _inbox.ParkAsync(_outbox, KeepAlive).ConfigureAwait(false);
                    }

                    var read = input.ReadAsync();
                    _outbox.WakeAfterBatch(inline: true);
                    if (!read.IsCompleted && input is IReadWaitSource source)
                    {
                        // Idle: the callback takes the read over (its result, through GetReadResult), and this call ends.
                        waitingForData = true;
                        source.OnReadCompleted(s_readCompleted, this);
                        return;
                    }

                    result = await read.ConfigureAwait(false);
                }

                if (result.IsCanceled && !_outbox.IsAborted)
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
            _outbox.WakeAfterBatch(inline: false);
            await _inbox.LetConsumerAnswerAsync(_settings.Scheduler).ConfigureAwait(false);
            FailForPeer(error);
            await input.DrainQuietlyAsync().ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (_outbox.IsAborted)
        {
        }
        catch (Exception error) when (error is IOException or ObjectDisposedException or System.Net.Sockets.SocketException or InvalidOperationException)
        {
            Abort(error);
        }
#pragma warning disable CA1031 // Nothing awaits this loop: anything else (a bug) ends the connection with it, visibly.
        catch (Exception error)
#pragma warning restore CA1031
        {
            Abort(error);
        }
        finally
        {
            // Whatever way reading ended, replies queued by the last batch still go out (or fail with the connection);
            // not when the loop only waits for data (the read that waits woke the writer already), and not after the
            // callback may have resumed it on another thread.
            if (!waitingForData)
            {
                _outbox.WakeAfterBatch(inline: false);
            }
        }

        await FinishAsync().ConfigureAwait(false);
    }

    /// <summary>Handles one read's bytes. A method of its own, so the state the read loop keeps while it waits (for every
    /// idle connection) is only what crosses that wait.</summary>
    /// <returns>False when reading should stop.</returns>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<bool> HandleReadAsync(ReadResult result, PipeReader input)
    {
        if (result.IsCanceled || _outbox.IsAborted)
        {
            return false;   // aborted (see Stop): nothing more is parsed or delivered
        }

        var buffer = result.Buffer;
        RecordActivity();

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

    /// <summary>Handles every complete event in <paramref name="buffer"/>, then advances the reader. The whole buffer
    /// is one batch (see <see cref="SendQueue.BeginBatch"/>), interrupted only while waiting for a slow consumer.</summary>
    /// <returns>True when reading should stop: a server has the peer's close frame, or the connection was aborted.</returns>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<bool> ProcessAsync(ReadOnlySequence<byte> buffer, PipeReader input)
    {
        _outbox.BeginBatch();
        try
        {
            while (true)
            {
                var kind = _protocol.Receive(ref buffer, out var message, out var control);
                switch (kind)
                {
                    case ProtocolEvent.NeedMoreData:
                        _inbox.ReleaseDeferredWake();
                        input.AdvanceTo(buffer.Start, buffer.End);
                        return false;
                    case ProtocolEvent.Message:
                        Diagnostics.RxSocketsMetrics.MessageReceived(Role, MetricsPort, message.Data.Length);
                        if (_rateLimiter?.TryTake() == false)
                        {
                            throw new ProtocolException(CloseCode.PolicyViolation, "message rate limit exceeded");
                        }

                        var delivery = _inbox.TryDeliver(message, Role, out var handling);
                        if (delivery == DirectWrite.Refused || (delivery == DirectWrite.Handled && !handling.IsCompletedSuccessfully))
                        {
                            // The consumer is behind (or the message handler still works on it): let the replies queued
                            // so far go out before waiting for it.
                            _outbox.EndBatch(wake: true);
                            if (delivery == DirectWrite.Refused)
                            {
                                await _inbox.DeliverSlowAsync(message, Role, KeepAlive).ConfigureAwait(false);
                            }
                            else
                            {
                                await _inbox.WaitForHandlerAsync(handling, KeepAlive).ConfigureAwait(false);
                            }

                            _outbox.BeginBatch();
                        }

                        break;
                    case ProtocolEvent.Ping:
                        _inbox.ReleaseDeferredWake();
                        _observer.OnPing(control);
                        if (_protocol.ShouldAutoPong(_settings.AutoPong) && _outbox.QueuePong(control)
                            && !await _outbox.WaitForPongsTakenAsync(_inbox.ClosingToken()).ConfigureAwait(false))
                        {
                            input.AdvanceTo(buffer.Start, buffer.End);
                            return true;
                        }

                        break;
                    case ProtocolEvent.Pong:
                        _inbox.ReleaseDeferredWake();
                        _outbox.OnPong(control, _observer);
                        _observer.OnPong(control);
                        break;
                    case ProtocolEvent.Close:
                        _inbox.ReleaseDeferredWake();
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
            _inbox.ReleaseDeferredWake();
            _outbox.EndBatch(wake: false);
        }
    }
}
