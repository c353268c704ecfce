using System.Runtime.CompilerServices;
using System.Threading.Channels;
using RxSockets.Protocol;
using RxSockets.Protocol.Connection;
using RxSockets.Protocol.Frames;
using RxSockets.Transport.Sockets;

namespace RxSockets.Transport;

/// <summary>
/// The outbound side of one connection, and its <see cref="SendQueue"/> itself (one object): the sending API (what the
/// application and the broadcasts queue, pings and pongs and their bound, drop counting) and the writer pass that
/// takes from the queue (Outbox.Writing.cs). It is handed what writing needs at construction: the protocol (to frame,
/// and to decide when our close goes), the transport (its output) and the driver it is part of (to abort the connection
/// when writing fails; for its settings and its metrics tag).
/// </summary>
/// <remarks>Thread-safe for any number of senders; one writer pass at a time.</remarks>
internal sealed partial class Outbox : SendQueue
{
    /// <summary>The most pongs queued at once. RFC 6455 §5.5.3 requires an answer to every ping, but a peer that pings
    /// faster than it reads our pongs would otherwise grow the control lane without limit: at this many the read loop
    /// stops reading until the writer has taken them, so such a peer is held back by TCP (and declared dead by the
    /// keepalive, which this wait does not pause), at a cost of at most this many pongs of 125 bytes.</summary>
    internal const int MaxPendingPongs = 16;

    private readonly ConnectionProtocol _protocol;
    private readonly ITransport _transport;
    private readonly ConnectionDriver _driver;   // no callback interface: a write failure aborts it, a direct call
    private PingTracker? _pings;   // made on the first ping: most connections never send one in their first interval

    public Outbox(ConnectionProtocol protocol, ITransport transport, ConnectionDriver driver)
    {
        _protocol = protocol;
        _transport = transport;
        _driver = driver;
    }

    /// <summary>The upgraded byte stream: this writes its output; the driver reads its input and ends it.</summary>
    public ITransport Transport => _transport;

    protected override int Capacity => _driver.Settings.SendQueueCapacity;

    protected override long MaxBytes => _driver.Settings.MaxQueuedBytes;

    /// <summary>Queues a message; waits while the send queue is full (backpressure).</summary>
    public ValueTask SendAsync(Message message, CancellationToken cancellationToken) =>
        SendItemAsync(new Outbound(message, null), cancellationToken);

    /// <summary>Queues a leased message, taking the lease over: the writer gives its buffer back once written.</summary>
    public ValueTask SendAsync(MessageLease lease, CancellationToken cancellationToken)
    {
        var (message, version) = lease.Transfer();
        return SendItemAsync(new Outbound(message, null, version), cancellationToken);
    }

    /// <summary>Queues a message framed in advance (broadcast).</summary>
    public ValueTask SendAsync(PreparedFrame frame, CancellationToken cancellationToken) =>
        SendItemAsync(new Outbound(default, frame), cancellationToken);

    /// <summary>Queues without waiting; false when the queue is full or the connection is closing.</summary>
    public bool TrySend(Message message) => TryEnqueue(new Outbound(message, null));

    /// <summary>Queues a prepared frame without waiting; false when the queue is full or the connection is closing.</summary>
    public bool TrySend(PreparedFrame frame) => TryEnqueue(new Outbound(default, frame));

    /// <summary>Queues a prepared frame without waking the writer (see <see cref="SendQueue.TryEnqueueDeferred"/>).</summary>
    public bool TrySendDeferred(PreparedFrame frame, out bool claimed) => TryEnqueueDeferred(new Outbound(default, frame), out claimed);

    /// <summary>Counts a message dropped by a lossy policy (one of the <c>RxSocketsMetrics</c> policy names).</summary>
    public void CountDroppedOutgoing(string policy)
    {
        CountDropped();
        Diagnostics.RxSocketsMetrics.MessageDropped(_protocol.Role, Diagnostics.RxSocketsMetrics.Outbound, policy);
    }

    /// <summary>Evicts the oldest queued broadcast frame (a lossy broadcast policy), counting it as dropped.</summary>
    public bool TryDropOldest([System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out PreparedFrame? dropped)
    {
        if (!TryDropOldestPrepared(out dropped))
        {
            return false;
        }

        Diagnostics.RxSocketsMetrics.MessageDropped(_protocol.Role, Diagnostics.RxSocketsMetrics.Outbound, Diagnostics.RxSocketsMetrics.DropOldest);
        return true;
    }

    /// <summary>Queues a pong (unsolicited, or the answer to a ping when auto-pong is off). Waits while
    /// <see cref="MaxPendingPongs"/> pongs wait for the writer, so a caller cannot grow the control lane without bound.</summary>
    public ValueTask PongAsync(ReadOnlyMemory<byte> payload, CancellationToken cancellationToken)
    {
        if (ClosedError() is { } error)
        {
            return ValueTask.FromException(error);
        }

        if (PendingPongs >= MaxPendingPongs)
        {
            return PongSlowAsync(payload.ToArray(), cancellationToken);
        }

        EnqueueControl(Opcode.Pong, payload.ToArray());
        return default;
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

    /// <summary>Queues the keepalive's ping, unless our close is queued.</summary>
    public void SendKeepAlivePing()
    {
        if (!_protocol.CloseQueued)
        {
            EnqueueControl(Opcode.Ping, Pings.NextKeepAlive());
        }
    }

    /// <summary>Answers a ping read by the read loop. True when <see cref="MaxPendingPongs"/> pongs now wait for the
    /// writer: the read loop must wait for room before it reads on.</summary>
    public bool QueuePong(byte[] payload)
    {
        EnqueueControl(Opcode.Pong, payload);
        return PendingPongs >= MaxPendingPongs;
    }

    /// <summary>Stops the read loop until the writer has taken the queued pongs (see <see cref="MaxPendingPongs"/>). The
    /// batch ends first, so the writer runs for them. Unlike a slow consumer's wait, this one does not pause the
    /// keepalive deadline: a peer that does not read is what holds it up.</summary>
    /// <param name="closing">Ends the wait when the connection is closing: no more pongs are queued from then on.</param>
    /// <returns>False when the connection was aborted meanwhile: reading stops.</returns>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<bool> WaitForPongsTakenAsync(CancellationToken closing)
    {
        EndBatch(wake: true);
        IsPongPaused = true;
        try
        {
            await WaitForPongRoomAsync(MaxPendingPongs).WaitAsync(closing).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // We are closing: no more pongs are queued from now on (or the connection is aborted).
        }
        finally
        {
            IsPongPaused = false;
        }

        BeginBatch();
        return !IsAborted;
    }

    /// <summary>A pong arrived: completes the ping it answers, if ours, reporting the round trip.</summary>
    public void OnPong(byte[] payload, IConnectionObserver observer) =>
        Volatile.Read(ref _pings)?.OnPong(payload, static (state, rtt) =>
        {
            Diagnostics.RxSocketsMetrics.PingRoundTrip(state.Outbox._protocol.Role, state.Outbox._driver.MetricsPort, rtt);
            state.Observer.OnRoundTrip(rtt);
        }, (Outbox: this, Observer: observer));

    /// <summary>Aborts writing (the connection is stopping; see <see cref="ConnectionDriver.Abort"/>): a waiting flush
    /// ends as cancelled, as does the read loop's pending read, and an idle writer runs a pass to see the abort. (No
    /// cancellation token per connection: an idle connection holds no registration.)</summary>
    public void Abort()
    {
        IsAborted = true;
        try
        {
            _transport.Input.CancelPendingRead();
            _transport.Output.CancelPendingFlush();
        }
        catch (Exception error) when (error is ObjectDisposedException or InvalidOperationException)
        {
            // The transport is already completed: nothing waits on it any more.
        }

        WakeNow();
    }

    /// <summary>Ends the transport once the writer has finished (see <see cref="ITransport.CloseAsync"/>).</summary>
    public async ValueTask CloseTransportAsync(bool shutdownFirst)
    {
        try
        {
            await _transport.CloseAsync(shutdownFirst).ConfigureAwait(false);
        }
        catch (Exception error) when (error is IOException or ObjectDisposedException or System.Net.Sockets.SocketException)
        {
            // The socket is going away regardless; the connection's outcome already says how.
        }
    }

    /// <summary>The connection is over: nothing more is accepted, and the pings still waiting for a pong fail with
    /// <paramref name="error"/>.</summary>
    public void Finish(Exception error)
    {
        Complete();
        Volatile.Read(ref _pings)?.FailAll(error);
    }

    /// <summary>Why a send is refused now (closing, closed or aborted), or null when it may be queued.</summary>
    public ConnectionClosedException? ClosedError() => _protocol.SendRefusal(IsAborted);

    private async ValueTask PongSlowAsync(byte[] payload, CancellationToken cancellationToken)
    {
        await WaitForPongRoomAsync(MaxPendingPongs).WaitAsync(cancellationToken).ConfigureAwait(false);
        if (ClosedError() is { } error)
        {
            throw error;
        }

        EnqueueControl(Opcode.Pong, payload);
    }

    /// <summary>The connection's ping registry, made on first use.</summary>
    private PingTracker Pings => LazyField.Get(ref _pings, _driver.Settings.Scheduler, static clock => new PingTracker(clock));

    private ValueTask SendItemAsync(Outbound item, CancellationToken cancellationToken)
    {
        if (TryEnqueue(item))
        {
            return default;
        }

        return ClosedError() is { } error ? ValueTask.FromException(error) : SendItemSlowAsync(item, cancellationToken);
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask SendItemSlowAsync(Outbound item, CancellationToken cancellationToken)
    {
        try
        {
            await EnqueueAsync(item, cancellationToken).ConfigureAwait(false);
        }
        catch (ChannelClosedException)
        {
            throw ClosedError() ?? new ConnectionClosedException("The connection is closing: no more messages can be sent.");
        }
    }
}
