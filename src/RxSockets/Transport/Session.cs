using System.Buffers;
using System.IO.Pipelines;
using System.Reactive.Concurrency;
using System.Runtime.CompilerServices;
using System.Text;
using System.Threading.Channels;
using RxSockets.Protocol;
using RxSockets.Protocol.Deflate;
using RxSockets.Transport.Sockets;

namespace RxSockets.Transport;

/// <summary>
/// One WebSocket over an upgraded transport: a read loop (the only reader) and a writer that runs on demand (the only
/// writer, see <see cref="SendQueue"/>), a bounded inbound queue, a bounded outbound queue, a priority lane for control frames, keepalive and the close
/// handshake with its timeout. Thread-safe: every public member may be called from any thread. It locks itself (it is
/// internal: nobody else locks it), which saves a lock object per connection.
/// </summary>
internal sealed class Session : IAsyncDisposable, IHeartbeatOwner, IOutboundWriter
{
    private const int FlushThreshold = 64 * 1024;

    /// <summary>How long a connection failing on a protocol error waits, at most, for its consumer to finish with the
    /// messages read before the error (and queue its answers) before it sends its close frame.</summary>
    internal static readonly TimeSpan AnswerGrace = TimeSpan.FromSeconds(1);

    /// <summary>The most pongs queued at once. RFC 6455 §5.5.3 requires an answer to every ping, but a peer that pings
    /// faster than it reads our pongs would otherwise grow the control lane without limit: at this many the read loop
    /// stops reading until the writer has taken them, so such a peer is held back by TCP (and declared dead by the
    /// keepalive, which this wait does not pause), at a cost of at most this many pongs of 125 bytes.</summary>
    internal const int MaxPendingPongs = 16;

    private readonly ITransport _transport;
    private readonly ConnectionRole _role;
    private readonly long _openedAt = System.Diagnostics.Stopwatch.GetTimestamp();   // for the duration metric
    private readonly ConnectionOptions _options;
    private readonly ISessionObserver _observer;
    private readonly WebSocketProtocol _protocol;
    private readonly BoundedQueue<Message> _inbound;
    private readonly SendQueue _send;
    private readonly MaskKeySource? _masks;
    private PingTracker? _pings;   // made on the first ping: most connections never send one in their first interval
    private readonly Heartbeat? _heartbeat;
    private readonly DeflateFrameWriter? _deflate;
    private readonly MessageRateLimiter? _rateLimiter;
    private readonly TaskCompletionSource _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Task _run = Task.CompletedTask;
    private volatile bool _aborted;
    private bool _closingSignalled;
    private CancellationTokenSource? _closingSource;   // made only if a slow consumer makes the read loop wait
    private int _state = (int)ConnectionState.Open;
    private CloseStatus? _closeToSend;
    private bool _closeQueued;
    private bool _sendEmptyClose;
    private volatile bool _failFast;
    private volatile bool _readFailed;   // the peer broke the protocol: our close follows what was queued before it
    private volatile bool _closeSent;
    private volatile bool _closeReceived;
    private volatile bool _readPaused;
    private bool _inboundBroken;   // a message could not be delivered while closing: none after it is (no holes)
    private volatile bool _pongPaused;
    private volatile bool _paused;   // the application paused reading (see Pause)
    private volatile bool _parked;   // the read loop is waiting for Resume
    private TaskCompletionSource? _resumed;   // made by Pause, completed by Resume
    private CloseStatus? _received;
    private Exception? _failure;
    private IDisposable? _closeTimer;
    private long _droppedIncoming;
    private long _lastReadTicks;

    // Links of Diagnostics.SessionRegistry (every open session, for the queue-depth instruments), guarded by its lock.
    internal Session? RegistryPrevious;
    internal Session? RegistryNext;
    internal bool IsRegistered;

    /// <param name="transport">The upgraded byte stream and control over its end.</param>
    /// <param name="deflate">What permessage-deflate settled, or null when it was not negotiated.</param>
    public Session(ITransport transport, ConnectionRole role, ConnectionOptions options, ISessionObserver observer, DeflateSettings? deflate = null)
    {
        _transport = transport;
        _role = role;
        _options = options;
        _observer = observer;
        _protocol = new WebSocketProtocol(role, options.MaxMessageSize, options.MaxFragments, validateUtf8: !options.SkipUtf8Validation, inflater: deflate is null ? null : new PerMessageInflater(deflate.InflateNoContext, deflate.InflateWindowBits));
        _deflate = deflate is null ? null : new DeflateFrameWriter(deflate);
        _inbound = new BoundedQueue<Message>(options.ReceiveQueueCapacity, options.MaxQueuedBytes, static message => message.Data.Length, inline: options.InlineDelivery);
        _send = new SendQueue(options.SendQueueCapacity, options.MaxQueuedBytes, this);
        _masks = role == ConnectionRole.Client ? new MaskKeySource() : null;
        _rateLimiter = MessageRateLimiter.For(options);
        _lastReadTicks = options.Scheduler.Now.UtcTicks;
        if (options.KeepAliveInterval != Timeout.InfiniteTimeSpan)
        {
            _heartbeat = new Heartbeat(options.Scheduler, options.KeepAliveInterval, options.KeepAliveTimeout, this);
        }
    }

    public ConnectionState State => (ConnectionState)Volatile.Read(ref _state);

    public ConnectionOptions Options => _options;

    public ConnectionRole Role => _role;

    /// <summary>Messages received and not yet consumed.</summary>
    public int QueuedIncomingMessages => _inbound.Count;

    public ChannelReader<Message> Inbound => _inbound;

    /// <summary>Payload bytes received and not yet consumed (at most <see cref="ConnectionOptions.MaxQueuedBytes"/>, or
    /// one larger message alone).</summary>
    public long QueuedIncomingBytes => _inbound.Bytes;

    /// <summary>Completes on a clean close handshake; faults with <see cref="ConnectionClosedException"/> otherwise.</summary>
    public Task Completion => _completion.Task;

    public CloseStatus? ReceivedClose => _received;

    /// <summary>The <c>server.port</c> tag of this connection's metrics (its URL's port); set before <see cref="Start"/>.</summary>
    public int MetricsPort { get; set; }

    public CloseStatus? SentClose => _closeSent ? _closeToSend : null;

    public long BufferedAmount => _send.BufferedAmount;

    /// <summary>True while the read loop holds back because the receive queue is full (backpressure).</summary>
    public bool IsReadPaused => _readPaused;

    public long DroppedIncoming => Interlocked.Read(ref _droppedIncoming);

    /// <summary>True while the read loop holds back because <see cref="MaxPendingPongs"/> pongs wait for the writer.</summary>
    public bool IsPongPaused => _pongPaused;

    /// <summary>Pongs queued and not yet taken by the writer (at most <see cref="MaxPendingPongs"/>).</summary>
    public int PendingPongs => _send.PendingPongs;

    /// <summary>Payload bytes of those pongs.</summary>
    public int PendingPongBytes => _send.PendingPongBytes;

    /// <summary>When bytes last arrived from the peer (or the connection opened), on the connection's clock.</summary>
    public DateTimeOffset LastActivity =>
        new(_heartbeat?.LastActivityTicks is { } ticks ? Math.Max(ticks, Volatile.Read(ref _lastReadTicks)) : Volatile.Read(ref _lastReadTicks), TimeSpan.Zero);

    public long DroppedOutgoing => _send.Dropped;

    /// <summary>True between <see cref="Pause"/> and <see cref="Resume"/>.</summary>
    public bool IsPaused => _paused;

    /// <summary>True while the read loop actually waits for <see cref="Resume"/> (it reads nothing meanwhile).</summary>
    public bool IsParked => _parked;

    /// <summary>Stops reading from the transport until <see cref="Resume"/>: the bytes the peer sends stay in the
    /// socket (TCP holds the peer back), nothing is lost. What the current read already holds is still handled.</summary>
    public void Pause()
    {
        lock (this)
        {
            if (_paused)
            {
                return;
            }

            _paused = true;
            _resumed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        // The read loop may be waiting for bytes: whatever arrived next would be delivered. Cancelling that read sends
        // it back to the top of its loop, where it parks (a cancelled read that is not an abort reads nothing).
        WakeReader(_transport);
    }

    /// <summary>Lets the read loop read again after <see cref="Pause"/>; nothing when not paused.</summary>
    public void Resume()
    {
        TaskCompletionSource? resumed;
        lock (this)
        {
            if (!_paused)
            {
                return;
            }

            _paused = false;
            resumed = _resumed;
            _resumed = null;
        }

        resumed?.TrySetResult();
    }

    public void Start()
    {
        Diagnostics.SessionRegistry.Add(this);
        _run = RunAsync();
        _heartbeat?.Start();
    }

    /// <summary>Queues a message; waits while the send queue is full (backpressure).</summary>
    public ValueTask SendAsync(Message message, CancellationToken cancellationToken) =>
        EnqueueAsync(new Outbound(message, null), cancellationToken);

    /// <summary>Queues a message framed in advance (broadcast).</summary>
    public ValueTask SendAsync(PreparedFrame frame, CancellationToken cancellationToken) =>
        EnqueueAsync(new Outbound(default, frame), cancellationToken);

    /// <summary>Queues without waiting; false when the queue is full or the connection is closing.</summary>
    public bool TrySend(Message message) => TryEnqueue(new Outbound(message, null));

    /// <summary>Queues a prepared frame without waiting; false when the queue is full or the connection is closing.</summary>
    public bool TrySend(PreparedFrame frame) => TryEnqueue(new Outbound(default, frame));

    /// <summary>Queues a prepared frame without waking the writer (see <see cref="SendQueue.TryEnqueueDeferred"/>).</summary>
    public bool TrySendDeferred(PreparedFrame frame, out bool claimed) => _send.TryEnqueueDeferred(new Outbound(default, frame), out claimed);

    /// <summary>Runs the writer pass a <see cref="TrySendDeferred"/> claimed.</summary>
    public void RunClaimedWriter() => _send.RunClaimed();

    /// <summary>Counts a message dropped by a lossy policy (one of the <c>RxSocketsMetrics</c> policy names).</summary>
    public void CountDroppedOutgoing(string policy)
    {
        _send.CountDropped();
        Diagnostics.RxSocketsMetrics.MessageDropped(_role, Diagnostics.RxSocketsMetrics.Outbound, policy);
    }

    /// <summary>Messages in the send queue now.</summary>
    public int QueuedMessages => _send.Count;

    /// <summary>Evicts the oldest queued broadcast frame (a lossy broadcast policy), counting it as dropped.</summary>
    public bool TryDropOldestPrepared([System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out PreparedFrame? dropped)
    {
        if (!_send.TryDropOldestPrepared(out dropped))
        {
            return false;
        }

        Diagnostics.RxSocketsMetrics.MessageDropped(_role, Diagnostics.RxSocketsMetrics.Outbound, Diagnostics.RxSocketsMetrics.DropOldest);
        return true;
    }

    /// <summary>Completes when the writer next takes a message from the send queue.</summary>
    /// <exception cref="ChannelClosedException">The connection is closing.</exception>
    public Task WaitForDequeueAsync(CancellationToken cancellationToken) => _send.WaitForDequeueAsync(cancellationToken);

    /// <summary>Queues a pong (unsolicited, or the answer to a ping when <see cref="ConnectionOptions.AutoPong"/> is
    /// off). Waits while <see cref="MaxPendingPongs"/> pongs wait for the writer, so a caller cannot grow the control
    /// lane without bound.</summary>
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

    /// <summary>Stops both loops; a null <paramref name="failure"/> ends a connection whose close handshake is done.</summary>
    private void Stop(Exception? failure)
    {
        lock (this)
        {
            // Once the peer's close frame is in, that close is the outcome: a transport failure after it (a peer or
            // proxy that resets instead of ending TCP cleanly) changes nothing, as in node ws.
            if (!(_closeReceived && failure is IOException or System.Net.Sockets.SocketException or ObjectDisposedException))
            {
                _failure ??= failure;
            }
        }

        // Nothing queued from now on would be written: refuse it rather than accept and lose it.
        _send.Complete();
        SignalClosing();
        _aborted = true;

        // Wake the loops where they wait: the read loop and a blocked flush end (as cancelled), an idle writer runs a
        // pass and sees the abort. (No cancellation token per connection: an idle connection holds no registration.)
        WakeTransport(_transport);
        _send.WakeNow();
    }

    private static void WakeTransport(ITransport transport)
    {
        try
        {
            transport.Input.CancelPendingRead();
            transport.Output.CancelPendingFlush();
        }
        catch (Exception error) when (error is ObjectDisposedException or InvalidOperationException)
        {
            // The transport is already completed: nothing waits on it any more.
        }
    }

    private static void WakeReader(ITransport transport)
    {
        try
        {
            transport.Input.CancelPendingRead();
        }
        catch (Exception error) when (error is ObjectDisposedException or InvalidOperationException)
        {
            // The transport is already completed: the read loop is over.
        }
    }

    /// <summary>The session's ping registry, made on first use.</summary>
    private PingTracker Pings => LazyField.Get(ref _pings, _options.Scheduler, static clock => new PingTracker(clock));

    /// <summary>Cancels the wait for a slow consumer (we are closing and nobody will read).</summary>
    private void SignalClosing()
    {
        CancellationTokenSource? source;
        lock (this)
        {
            _closingSignalled = true;
            source = _closingSource;
        }

        source?.Cancel();
    }

    /// <summary>The token <see cref="SignalClosing"/> cancels, made on first use.</summary>
    private CancellationToken ClosingToken()
    {
        lock (this)
        {
            if (_closingSource is null)
            {
                _closingSource = new CancellationTokenSource();
                if (_closingSignalled)
                {
                    _closingSource.Cancel();
                }
            }

            return _closingSource.Token;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (State != ConnectionState.Closed)
        {
            Abort(new ObjectDisposedException("The connection was disposed before it closed."));
        }

        await _run.ConfigureAwait(false);
    }

    private ValueTask EnqueueAsync(Outbound item, CancellationToken cancellationToken)
    {
        if (TryEnqueue(item))
        {
            return default;
        }

        return ClosedError() is { } error ? ValueTask.FromException(error) : EnqueueSlowAsync(item, cancellationToken);
    }

    private bool TryEnqueue(Outbound item) => _send.TryEnqueue(item);

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

    private ConnectionClosedException? ClosedError() =>
        _closeQueued || _aborted
            ? new ConnectionClosedException("The connection is closing or closed: no more messages can be sent.", _closeToSend, _received, _failure)
            : null;

    private void EnqueueControl(Opcode opcode, byte[] payload) => _send.EnqueueControl(opcode, payload);

    bool IHeartbeatOwner.IsKeepAlivePaused => _readPaused || _parked || _send.InBatch;

    void IHeartbeatOwner.OnKeepAliveTimeout(TimeoutException error) => Abort(error);

    void IHeartbeatOwner.SendKeepAlivePing()
    {
        if (!_closeQueued)
        {
            EnqueueControl(Opcode.Ping, Pings.NextKeepAlive());
        }
    }

    /// <summary>Queues our close frame once. A fail-fast close (<see cref="Fail"/>) discards queued data; any other
    /// close (a protocol error of the peer too) follows the data queued before it.</summary>
    private void RequestClose(CloseStatus? status, bool failFast, Exception? error)
    {
        lock (this)
        {
            if (_closeQueued)
            {
                // Our close is already on its way, but a failure meanwhile (a protocol error) is still the cause to report.
                _failure ??= error;
                return;
            }

            _closeQueued = true;
            _closeToSend = status;
            _sendEmptyClose = status is null;
            _failFast = failFast;
            _failure ??= error;
            _send.Complete();
            if (_options.CloseTimeout != Timeout.InfiniteTimeSpan)
            {
                _closeTimer = _options.Scheduler.Schedule(_options.CloseTimeout, OnCloseTimeout);
            }
        }

        SignalClosing();
        SetState(ConnectionState.Closing);
        _send.WakeNow();
    }

    private void OnCloseTimeout() =>
        // Both close frames crossed but the peer kept TCP open: close it ourselves; that is still a clean close.
        Stop(_closeSent && _closeReceived ? null : new TimeoutException($"The close handshake did not complete within {_options.CloseTimeout}."));

    private async Task FinishAsync()
    {
        _heartbeat?.Dispose();
        _closeTimer?.Dispose();
        var clean = _closeReceived && _closeSent && _failure is null;
        try
        {
            await _transport.CloseAsync(clean && _role == ConnectionRole.Server).ConfigureAwait(false);
        }
        catch (Exception error) when (error is IOException or ObjectDisposedException or System.Net.Sockets.SocketException)
        {
            // The socket is going away regardless; the outcome below already says how.
        }

        _protocol.Reset();
        _deflate?.Dispose();
        _inbound.TryComplete();
        _send.Complete();
        var outcome = clean ? null : new ConnectionClosedException(Describe(), SentClose, _received, _failure);
        Volatile.Read(ref _pings)?.FailAll(outcome ?? new ConnectionClosedException("The connection closed before the pong arrived.", SentClose, _received));
        Diagnostics.RxSocketsMetrics.ConnectionClosed(_role, MetricsPort, _received?.Code ?? SentClose?.Code, _openedAt);
        Diagnostics.SessionRegistry.Remove(this);
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

    private string Describe() => _failure switch
    {
        ProtocolException p => $"The connection failed: {p.Message}",
        TimeoutException t => $"The connection timed out: {t.Message}",
        null => "The connection closed abnormally (1006).",
        var other => $"The connection closed abnormally (1006): {other.Message}",
    };

    private void SetState(ConnectionState state)
    {
        // Closed is final: a close requested after the connection ended must not move it back to Closing.
        int previous;
        do
        {
            previous = Volatile.Read(ref _state);
            if (previous == (int)ConnectionState.Closed || previous == (int)state)
            {
                return;
            }
        }
        while (Interlocked.CompareExchange(ref _state, (int)state, previous) != previous);

        _observer.OnStateChanged(state);
    }

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

                if (!await HandleReadAsync(result, input).ConfigureAwait(false))
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
            _readFailed = true;
            RequestClose(new CloseStatus(error.Code, Truncate(error.Message)), failFast: false, error);
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

        if (!_closeReceived && !_failFast && !_readFailed)
        {
            // The peer vanished without a close frame: nothing more can be written.
            lock (this)
            {
                _failure ??= new IOException("The peer closed the connection without a close frame.");
            }

            Stop(null);
        }

        await _send.WaitForWriterAsync().ConfigureAwait(false);
        await FinishAsync().ConfigureAwait(false);
    }

    /// <summary>Waits, reading nothing, until <see cref="Resume"/> or until the connection is closing (the peer's close
    /// frame must then be read). The keepalive deadline is suspended meanwhile: the peer's pong may be among the
    /// bytes deliberately left unread; pings still go out.</summary>
    private async ValueTask ParkAsync()
    {
        Task resumed;
        lock (this)
        {
            if (_resumed is null)
            {
                return;
            }

            resumed = _resumed.Task;
        }

        // The replies the last batch queued go out now rather than after the pause.
        _send.WakeAfterBatch(inline: false);
        _parked = true;
        try
        {
            await resumed.WaitAsync(ClosingToken()).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Closing (or aborted): read on, to the peer's close frame.
        }
        finally
        {
            _parked = false;
            _heartbeat?.OnActivity();
        }
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
            Volatile.Write(ref _lastReadTicks, _options.Scheduler.Now.UtcTicks);
        }

        if (_closeReceived)
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
        using var timer = _options.Scheduler.Schedule(AnswerGrace, () => over.TrySetResult());
        using var closing = ClosingToken().UnsafeRegister(static state => ((TaskCompletionSource)state!).TrySetResult(), over);
        await Task.WhenAny(idle, over.Task).ConfigureAwait(false);
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
                var kind = _protocol.Read(ref buffer, out var message, out var control);
                switch (kind)
                {
                    case ProtocolEvent.NeedMoreData:
                        _inbound.ReleaseDeferredWake();
                        input.AdvanceTo(buffer.Start, buffer.End);
                        return false;
                    case ProtocolEvent.Message:
                        Diagnostics.RxSocketsMetrics.MessageReceived(_role, MetricsPort, message.Data.Length);
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
                        else if (!TryDeliver(message))
                        {
                            // The consumer is behind: let the replies queued so far go out before waiting for it.
                            _send.EndBatch(wake: true);
                            await DeliverSlowAsync(message).ConfigureAwait(false);
                            _send.BeginBatch();
                        }

                        break;
                    case ProtocolEvent.Ping:
                        _inbound.ReleaseDeferredWake();
                        _observer.OnPing(control);
                        if (_options.AutoPong && !_closeQueued)
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
                        if (Volatile.Read(ref _pings)?.OnPong(control) is { } rtt)
                        {
                            Diagnostics.RxSocketsMetrics.PingRoundTrip(_role, MetricsPort, rtt);
                            _observer.OnRoundTrip(rtt);
                        }

                        _observer.OnPong(control);
                        break;
                    case ProtocolEvent.Close:
                        _inbound.ReleaseDeferredWake();
                        _received = ClosePayload.Parse(control) ?? new CloseStatus(CloseCode.NoStatusReceived);
                        _closeReceived = true;
                        // RFC 6455 §5.5.1: answer with a close frame, echoing the status code received.
                        RequestClose(control.Length == 0 ? null : new CloseStatus(_received.Value.Code), failFast: false, error: null);
                        input.AdvanceTo(buffer.Start, buffer.End);
                        return _role == ConnectionRole.Server;
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

    /// <summary>A message read while closing that the consumer will never get (see <see cref="DeliverSlowAsync"/>).</summary>
    private void CountDroppedIncoming()
    {
        Interlocked.Increment(ref _droppedIncoming);
        Diagnostics.RxSocketsMetrics.MessageDropped(_role, Diagnostics.RxSocketsMetrics.Inbound, Diagnostics.RxSocketsMetrics.Closing);
    }

    /// <summary>Queues a parsed message for the consumer. A waiting consumer is woken once per run of messages (before
    /// a control frame, when the queue fills, at the end of the socket read), not once per message; it then drains the
    /// queue without waiting, on this thread when delivery is inline. False when the queue stays full.</summary>
    private bool TryDeliver(Message message)
    {
        if (_inbound.TryWrite(message, deferWake: true))
        {
            return true;
        }

        _inbound.ReleaseDeferredWake();
        return _inbound.TryWrite(message, deferWake: true);
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

    /// <summary>One writer pass (see <see cref="SendQueue"/>): control frames first, then data, many frames per flush;
    /// our close frame once the data before it is out. Ends when nothing is left (idle until the next wake-up) or when
    /// writing is over for good.</summary>
    async Task IOutboundWriter.WritePassAsync()
    {
        var output = _transport.Output;
        try
        {
            while (!_aborted)
            {
                var wrote = WriteControlFrames(output) | WriteDataFrames(output);
                var closing = _closeQueued && (_failFast || _send.IsDrained);
                if (closing)
                {
                    FrameWriter.WriteClose(output, _sendEmptyClose ? null : _closeToSend, _masks?.Next());
                    wrote = true;

                    // Handed to the transport: a peer that already sent its close may reset as soon as it reads ours.
                    _closeSent = true;
                }

                if (wrote)
                {
                    var flush = await output.FlushAsync().ConfigureAwait(false);
                    if (flush.IsCompleted || flush.IsCanceled)
                    {
                        break;
                    }
                }

                if (closing)
                {
                    if ((_failFast || _readFailed) && _role == ConnectionRole.Server)
                    {
                        // We failed the connection and are draining the peer's bytes: FIN tells it we are done.
                        _transport.ShutdownOutput();
                    }

                    break;
                }

                if (!wrote && _send.TryGoIdle())
                {
                    return;
                }
            }
        }
        catch (OperationCanceledException) when (_aborted)
        {
        }
#pragma warning disable CA1031 // A pass is started and not awaited: whatever fails it ends the connection, never the process.
        catch (Exception error)
#pragma warning restore CA1031
        {
            Abort(error);
        }

        _send.WriterFinished();
    }

    private bool WriteControlFrames(PipeWriter output)
    {
        var wrote = false;
        while (_send.TryDequeueControl(out var frame))
        {
            FrameWriter.WriteFrame(output, frame.Opcode, fin: true, rsv1: false, frame.Payload, _masks?.Next());
            wrote = true;
        }

        return wrote;
    }

    private bool WriteDataFrames(PipeWriter output)
    {
        var written = 0L;
        var wrote = false;
        while (written < FlushThreshold && _send.TryDequeue(out var item))
        {
            if (_failFast)
            {
                continue;
            }

            if (item.Prepared is { } prepared)
            {
                output.Write(_deflate is null ? prepared.Bytes : _deflate.Select(prepared));
            }
            else if (_deflate?.TryWriteMessage(output, item.Message, _options.FragmentSize, _masks) != true)
            {
                FrameWriter.WriteMessage(output, item.Message.Type, item.Message.Data.Span, _options.FragmentSize, _masks);
            }

            written += item.Length;
            wrote = true;
            Diagnostics.RxSocketsMetrics.MessageSent(_role, MetricsPort, item.Length);
        }

        return wrote;
    }

    private static string Truncate(string reason)
    {
        if (Encoding.UTF8.GetByteCount(reason) <= ClosePayload.MaxReasonBytes)
        {
            return reason;
        }

        var cut = Math.Min(reason.Length, ClosePayload.MaxReasonBytes);
        while (Encoding.UTF8.GetByteCount(reason.AsSpan(0, cut)) > ClosePayload.MaxReasonBytes)
        {
            cut--;
        }

        return reason[..cut];
    }
}
