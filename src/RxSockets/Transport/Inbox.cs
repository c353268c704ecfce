using System.Reactive.Concurrency;
using System.Runtime.CompilerServices;
using RxSockets.Protocol;

namespace RxSockets.Transport;

/// <summary>
/// The inbound side of one connection, and its bounded queue itself (one object, not one beside the queue): delivery
/// of parsed messages to the consumer, the wait for a slow consumer (backpressure), what is dropped when the connection
/// closes while the consumer is behind ("no holes"), and the application's <see cref="Pause"/>/<see cref="Resume"/>
/// (Inbox.Pausing.cs). The read loop (<see cref="ConnectionDriver"/>) is its only writer.
/// </summary>
/// <remarks>Thread-safe. Pause, Resume and the closing signal lock the inbox itself (it is internal: nobody else locks
/// it; the queue's own state is guarded by its spin gate, not by this lock). What only some connections need (the
/// closing signal's source, Resume's completion, the count of dropped messages) is kept in the queue's side object
/// (<see cref="InboxExtras"/>), made on first use.</remarks>
internal sealed partial class Inbox : BoundedQueue<Message>
{
    /// <summary>How long a connection failing on a protocol error waits, at most, for its consumer to finish with the
    /// messages read before the error (and queue its answers) before it sends its close frame.</summary>
    internal static readonly TimeSpan AnswerGrace = TimeSpan.FromSeconds(1);

    private volatile bool _readPaused;
    private bool _broken;   // a message could not be delivered while closing: none after it is (no holes)

    /// <param name="inline">Whether the consumer's continuation runs on the read loop's thread.</param>
    public Inbox(int capacity, long maxBytes, bool inline)
        : base(capacity, maxBytes, static message => message.Data.Length, inline)
    {
    }

    /// <summary>True while the read loop holds back because the queue is full (backpressure).</summary>
    public bool IsReadPaused => _readPaused;

    /// <summary>Messages read that the consumer never got (see <see cref="DeliverSlowAsync"/>).</summary>
    public long Dropped => ExistingExtras is InboxExtras extras ? Interlocked.Read(ref extras.Dropped) : 0;

    /// <summary>Hands a parsed message to the consumer without waiting. A waiting consumer is woken once per run of
    /// messages (before a control frame, when the queue fills, at the end of the socket read: see
    /// <see cref="BoundedQueue{T}.ReleaseDeferredWake"/>), not once per message; it then drains the queue without
    /// waiting, on this thread when delivery is inline. After a message was lost, later ones are counted as dropped
    /// instead (a stream with a hole in it is worse than a stream that stops). With a message handler attached and
    /// nothing queued, the handler gets the message here, on the read loop (<see cref="BoundedQueue{T}.TryWriteOrHandle"/>).</summary>
    /// <returns><see cref="DirectWrite.Refused"/> when the queue stays full: <see cref="DeliverSlowAsync"/> must wait
    /// for the consumer; <see cref="DirectWrite.Handled"/> with a pending <paramref name="handling"/>:
    /// <see cref="WaitForHandlerAsync"/> must wait for the handler.</returns>
    public DirectWrite TryDeliver(Message message, ConnectionRole role, out ValueTask handling)
    {
        handling = default;
        if (_broken)
        {
            CountDropped(role);
            return DirectWrite.Queued;
        }

        var delivery = TryWriteOrHandle(message, deferWake: true, out handling);
        if (delivery != DirectWrite.Refused)
        {
            return delivery;
        }

        ReleaseDeferredWake();
        return TryWriteOrHandle(message, deferWake: true, out handling);
    }

    /// <summary>The message handler works on a message after its call returned: reading waits for it (backpressure),
    /// as for a slow consumer, until the connection is closing; the keepalive deadline is paused meanwhile.</summary>
    public async ValueTask WaitForHandlerAsync(ValueTask handling, IHeartbeatOwner? heartbeat)
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
            heartbeat?.OnActivity();
        }
    }

    /// <summary>Waits for room for <paramref name="message"/> (backpressure: the socket is not read meanwhile), until
    /// the connection is closing; the keepalive deadline is paused meanwhile, because a pong may be waiting behind the
    /// data we are deliberately not reading.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    public async ValueTask DeliverSlowAsync(Message message, ConnectionRole role, IHeartbeatOwner? heartbeat)
    {
        _readPaused = true;
        try
        {
            await WriteAsync(message, ClosingToken()).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // We are closing and the consumer is behind: the message cannot be delivered. Count it rather than hide
            // it, and deliver nothing after it (the consumer may still be reading: a later message would follow a
            // hole, and a reader that resumes from the last message it had, as the messaging protocol does, would
            // skip this one for good).
            CountDropped(role);
            _broken = true;
        }
        finally
        {
            _readPaused = false;
            heartbeat?.OnActivity();
        }
    }

    /// <summary>Waits, at most <see cref="AnswerGrace"/> on <paramref name="clock"/>, until the consumer has taken every
    /// delivered message and come back for more (at once for an inline consumer that answered from its OnNext), or
    /// until the connection is closing anyway.</summary>
    public async ValueTask LetConsumerAnswerAsync(IScheduler clock)
    {
        var idle = WaitForReaderIdleAsync();
        if (idle.IsCompleted)
        {
            return;
        }

        var over = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var timer = clock.Schedule(AnswerGrace, () => over.TrySetResult());
        using var closing = ClosingToken().UnsafeRegister(static state => ((TaskCompletionSource)state!).TrySetResult(), over);
        await Task.WhenAny(idle, over.Task).ConfigureAwait(false);
    }

    /// <summary>The side object, made now if this is its first use.</summary>
    private InboxExtras Rare => (InboxExtras)GetExtras();

    /// <summary>Makes the queue's side object one that holds the inbox's rare state too: one object, not two.</summary>
    private protected override Extras CreateExtras() => new InboxExtras();

    private void CountDropped(ConnectionRole role)
    {
        Interlocked.Increment(ref Rare.Dropped);
        Diagnostics.RxSocketsMetrics.MessageDropped(role, Diagnostics.RxSocketsMetrics.Inbound, Diagnostics.RxSocketsMetrics.Closing);
    }

    /// <summary>The inbox's rare state, beside the queue's in its side object: an idle connection never pauses, never
    /// drops a message and never waits on the read loop, so it makes none of this.</summary>
#pragma warning disable CA1001 // Its one CancellationTokenSource (the closing signal) has no timer and no wait handle: nothing to dispose.
    private sealed class InboxExtras : Extras
#pragma warning restore CA1001
    {
        /// <summary>Cancelled by <see cref="SignalClosing"/>; made by the first wait of the read loop (under the
        /// inbox's lock).</summary>
        public CancellationTokenSource? ClosingSource;

        /// <summary>Made by <see cref="Pause"/>, completed by <see cref="Resume"/> (under the inbox's lock).</summary>
        public TaskCompletionSource? Resumed;

        /// <summary>Messages read that the consumer never got (interlocked).</summary>
        public long Dropped;
    }
}
