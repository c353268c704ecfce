using System.Runtime.CompilerServices;
using System.Threading.Channels;
using RxSockets.Protocol;
using RxSockets.Protocol.Frames;

namespace RxSockets.Transport;

/// <summary>The sending side of the driver: what the application and the broadcasts queue, pings and pongs.</summary>
internal sealed partial class ConnectionDriver
{
    /// <summary>The most pongs queued at once. RFC 6455 §5.5.3 requires an answer to every ping, but a peer that pings
    /// faster than it reads our pongs would otherwise grow the control lane without limit: at this many the read loop
    /// stops reading until the writer has taken them, so such a peer is held back by TCP (and declared dead by the
    /// keepalive, which this wait does not pause), at a cost of at most this many pongs of 125 bytes.</summary>
    internal const int MaxPendingPongs = 16;

    public long BufferedAmount => _send.BufferedAmount;

    public long DroppedOutgoing => _send.Dropped;

    /// <summary>Pongs queued and not yet taken by the writer (at most <see cref="MaxPendingPongs"/>).</summary>
    public int PendingPongs => _send.PendingPongs;

    /// <summary>Payload bytes of those pongs.</summary>
    public int PendingPongBytes => _send.PendingPongBytes;

    /// <summary>Messages in the send queue now.</summary>
    public int QueuedMessages => _send.Count;

    /// <summary>Queues a message; waits while the send queue is full (backpressure).</summary>
    public ValueTask SendAsync(Message message, CancellationToken cancellationToken) =>
        EnqueueAsync(new Outbound(message, null), cancellationToken);

    /// <summary>Queues a leased message, taking the lease over: the writer gives its buffer back once written.</summary>
    public ValueTask SendAsync(MessageLease lease, CancellationToken cancellationToken)
    {
        var (message, version) = lease.Transfer();
        return EnqueueAsync(new Outbound(message, null, version), cancellationToken);
    }

    /// <summary>Assembles received messages into pooled buffers from the next message on (a lease consumer).</summary>
    public void UsePooledPayloads() => _protocol.PooledPayloads = true;

    /// <summary>Queues a message framed in advance (broadcast).</summary>
    public ValueTask SendAsync(PreparedFrame frame, CancellationToken cancellationToken) =>
        EnqueueAsync(new Outbound(default, frame), cancellationToken);

    /// <summary>Queues without waiting; false when the queue is full or the connection is closing.</summary>
    public bool TrySend(Message message) => _send.TryEnqueue(new Outbound(message, null));

    /// <summary>Queues a prepared frame without waiting; false when the queue is full or the connection is closing.</summary>
    public bool TrySend(PreparedFrame frame) => _send.TryEnqueue(new Outbound(default, frame));

    /// <summary>Queues a prepared frame without waking the writer (see <see cref="SendQueue.TryEnqueueDeferred"/>).</summary>
    public bool TrySendDeferred(PreparedFrame frame, out bool claimed) => _send.TryEnqueueDeferred(new Outbound(default, frame), out claimed);

    /// <summary>Runs the writer pass a <see cref="TrySendDeferred"/> claimed.</summary>
    public void RunClaimedWriter() => _send.RunClaimed();

    /// <summary>Counts a message dropped by a lossy policy (one of the <c>RxSocketsMetrics</c> policy names).</summary>
    public void CountDroppedOutgoing(string policy)
    {
        _send.CountDropped();
        Diagnostics.RxSocketsMetrics.MessageDropped(Role, Diagnostics.RxSocketsMetrics.Outbound, policy);
    }

    /// <summary>Evicts the oldest queued broadcast frame (a lossy broadcast policy), counting it as dropped.</summary>
    public bool TryDropOldestPrepared([System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out PreparedFrame? dropped)
    {
        if (!_send.TryDropOldestPrepared(out dropped))
        {
            return false;
        }

        Diagnostics.RxSocketsMetrics.MessageDropped(Role, Diagnostics.RxSocketsMetrics.Outbound, Diagnostics.RxSocketsMetrics.DropOldest);
        return true;
    }

    /// <summary>Completes when the writer next takes a message from the send queue.</summary>
    /// <exception cref="ChannelClosedException">The connection is closing.</exception>
    public Task WaitForDequeueAsync(CancellationToken cancellationToken) => _send.WaitForDequeueAsync(cancellationToken);

    /// <summary>Queues a pong (unsolicited, or the answer to a ping when auto-pong is off). Waits while
    /// <see cref="MaxPendingPongs"/> pongs wait for the writer, so a caller cannot grow the control lane without bound.</summary>
    public ValueTask PongAsync(ReadOnlyMemory<byte> payload, CancellationToken cancellationToken)
    {
        if (ClosedError() is { } error)
        {
            return ValueTask.FromException(error);
        }

        if (_send.PendingPongs >= MaxPendingPongs)
        {
            return PongSlowAsync(payload.ToArray(), cancellationToken);
        }

        EnqueueControl(Opcode.Pong, payload.ToArray());
        return default;
    }

    private async ValueTask PongSlowAsync(byte[] payload, CancellationToken cancellationToken)
    {
        await _send.WaitForPongRoomAsync(MaxPendingPongs).WaitAsync(cancellationToken).ConfigureAwait(false);
        if (ClosedError() is { } error)
        {
            throw error;
        }

        EnqueueControl(Opcode.Pong, payload);
    }

    public ValueTask<TimeSpan> PingAsync(ReadOnlyMemory<byte> payload, CancellationToken cancellationToken)
    {
        var bytes = payload.IsEmpty ? Pings.NextPayload() : payload.ToArray();
        if (ClosedError() is { } error)
        {
            return ValueTask.FromException<TimeSpan>(error);
        }

        var rtt = Pings.Register(bytes);
        EnqueueControl(Opcode.Ping, bytes);
        return new ValueTask<TimeSpan>(rtt.WaitAsync(cancellationToken));
    }

    /// <summary>The connection's ping registry, made on first use.</summary>
    private PingTracker Pings => LazyField.Get(ref _pings, _settings.Scheduler, static clock => new PingTracker(clock));

    private ValueTask EnqueueAsync(Outbound item, CancellationToken cancellationToken)
    {
        if (_send.TryEnqueue(item))
        {
            return default;
        }

        return ClosedError() is { } error ? ValueTask.FromException(error) : EnqueueSlowAsync(item, cancellationToken);
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask EnqueueSlowAsync(Outbound item, CancellationToken cancellationToken)
    {
        try
        {
            await _send.EnqueueAsync(item, cancellationToken).ConfigureAwait(false);
        }
        catch (ChannelClosedException)
        {
            throw ClosedError() ?? new ConnectionClosedException("The connection is closing: no more messages can be sent.");
        }
    }

    private ConnectionClosedException? ClosedError() => _protocol.SendRefusal(_aborted);

    private void EnqueueControl(Opcode opcode, byte[] payload) => _send.EnqueueControl(opcode, payload);
}
