using System.Reactive.Concurrency;
using System.Runtime.CompilerServices;

namespace RxSockets.Transport;

/// <summary>Delivery to the consumer: the bounded inbound queue, the wait for a slow consumer (backpressure) and what is
/// dropped when the connection closes while the consumer is behind.</summary>
internal sealed partial class ConnectionDriver
{
    /// <summary>How long a connection failing on a protocol error waits, at most, for its consumer to finish with the
    /// messages read before the error (and queue its answers) before it sends its close frame.</summary>
    internal static readonly TimeSpan AnswerGrace = TimeSpan.FromSeconds(1);

    private volatile bool _readPaused;
    private bool _inboundBroken;   // a message could not be delivered while closing: none after it is (no holes)
    private long _droppedIncoming;

    /// <summary>True while the read loop holds back because the receive queue is full (backpressure).</summary>
    public bool IsReadPaused => _readPaused;

    public long DroppedIncoming => Interlocked.Read(ref _droppedIncoming);

    /// <summary>Waits, at most <see cref="AnswerGrace"/> on the connection's clock, until the consumer has taken every
    /// delivered message and come back for more (at once for an inline consumer that answered from its OnNext), or
    /// until the connection is closing anyway.</summary>
    private async ValueTask LetConsumerAnswerAsync()
    {
        var idle = _inbound.WaitForReaderIdleAsync();
        if (idle.IsCompleted)
        {
            return;
        }

        var over = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var timer = _settings.Scheduler.Schedule(AnswerGrace, () => over.TrySetResult());
        using var closing = ClosingToken().UnsafeRegister(static state => ((TaskCompletionSource)state!).TrySetResult(), over);
        await Task.WhenAny(idle, over.Task).ConfigureAwait(false);
    }

    /// <summary>A message read while closing that the consumer will never get (see <see cref="DeliverSlowAsync"/>).</summary>
    private void CountDroppedIncoming()
    {
        Interlocked.Increment(ref _droppedIncoming);
        Diagnostics.RxSocketsMetrics.MessageDropped(Role, Diagnostics.RxSocketsMetrics.Inbound, Diagnostics.RxSocketsMetrics.Closing);
    }

    /// <summary>Queues a parsed message for the consumer. A waiting consumer is woken once per run of messages (before
    /// a control frame, when the queue fills, at the end of the socket read), not once per message; it then drains the
    /// queue without waiting, on this thread when delivery is inline. False when the queue stays full.</summary>
    /// <remarks>With a message handler attached (see <see cref="Reactive.MessageHandlerRunner"/>) and nothing queued,
    /// the message is not queued: the handler gets it here, on the read loop.</remarks>
    private DirectWrite TryDeliver(Message message, out ValueTask handling)
    {
        var delivery = _inbound.TryWriteOrHandle(message, deferWake: true, out handling);
        if (delivery != DirectWrite.Refused)
        {
            return delivery;
        }

        _inbound.ReleaseDeferredWake();
        return _inbound.TryWriteOrHandle(message, deferWake: true, out handling);
    }

    /// <summary>The message handler works on a message after its call returned: reading waits for it (backpressure),
    /// as for a slow consumer, until the connection is closing.</summary>
    private async ValueTask WaitForHandlerAsync(ValueTask handling)
    {
        _readPaused = true;
        try
        {
            await handling.AsTask().WaitAsync(ClosingToken()).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Closing: the handler may finish on its own; reading goes on to the peer's close frame.
        }
        finally
        {
            _readPaused = false;
            _heartbeat?.OnActivity();
        }
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask DeliverSlowAsync(Message message)
    {
        // Backpressure: the consumer is behind, so the socket is not read until it catches up. The keepalive deadline
        // is paused meanwhile, because a pong may be waiting behind the data we are deliberately not reading.
        _readPaused = true;
        try
        {
            await _inbound.WriteAsync(message, ClosingToken()).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // We are closing and the consumer is behind: the message cannot be delivered. Count it rather than hide
            // it, and deliver nothing after it (the consumer may still be reading: a later message would follow a
            // hole, and a reader that resumes from the last message it had, as the messaging protocol does, would
            // skip this one for good).
            CountDroppedIncoming();
            _inboundBroken = true;
        }
        finally
        {
            _readPaused = false;
            _heartbeat?.OnActivity();
        }
    }
}
