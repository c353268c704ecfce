using System.Threading.Channels;
using RxSockets.Protocol;
using RxSockets.Protocol.Connection;
using RxSockets.Protocol.Deflate;
using RxSockets.Protocol.Frames;
using RxSockets.Transport.Sockets;

namespace RxSockets.Transport;

/// <summary>
/// The I/O driver of one WebSocket over an upgraded transport. It runs what the sans-I/O
/// <see cref="ConnectionProtocol"/> cannot: the read loop (the only reader, ConnectionDriver.Reading.cs), the writer
/// pass that runs on demand (the only writer, ConnectionDriver.Writing.cs, woken by the <see cref="SendQueue"/>), the
/// bounded inbound queue and its delivery to the consumer (.Delivery.cs, .Pausing.cs), the sends (.Sending.cs), the
/// keepalive and the close timeout (.Closing.cs). Every decision about
/// frames — the state, the close handshake, which code a failure earns — is the protocol's.
/// </summary>
/// <remarks>Thread-safe: every public member may be called from any thread. It locks itself (it is internal: nobody
/// else locks it), which saves a lock object per connection.</remarks>
internal sealed partial class ConnectionDriver : IAsyncDisposable, IHeartbeatOwner, IOutboundWriter
{
    private readonly ITransport _transport;
    private readonly ConnectionSettings _settings;
    private readonly IConnectionObserver _observer;
    private readonly ConnectionProtocol _protocol;
    private readonly long _openedAt = System.Diagnostics.Stopwatch.GetTimestamp();   // for the duration metric
    private readonly BoundedQueue<Message> _inbound;
    private readonly SendQueue _send;
    private PingTracker? _pings;   // made on the first ping: most connections never send one in their first interval
    private readonly Heartbeat? _heartbeat;
    private readonly TaskCompletionSource _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Task _run = Task.CompletedTask;
    private volatile bool _aborted;
    private IDisposable? _closeTimer;

    // Links of ConnectionDriverRegistry (every open connection, for the queue-depth instruments), guarded by its lock.
    internal ConnectionDriver? RegistryPrevious;
    internal ConnectionDriver? RegistryNext;
    internal bool IsRegistered;

    /// <param name="transport">The upgraded byte stream and control over its end.</param>
    /// <param name="deflate">What permessage-deflate settled, or null when it was not negotiated.</param>
    public ConnectionDriver(ITransport transport, ConnectionRole role, ConnectionSettings settings, IConnectionObserver observer, DeflateSettings? deflate = null)
    {
        _transport = transport;
        _settings = settings;
        _observer = observer;
        _protocol = new ConnectionProtocol(role, settings.MaxMessageSize, settings.MaxFragments, validateUtf8: !settings.SkipUtf8Validation, settings.FragmentSize, deflate);
        _inbound = new BoundedQueue<Message>(settings.ReceiveQueueCapacity, settings.MaxQueuedBytes, static message => message.Data.Length, inline: settings.InlineDelivery);
        _send = new SendQueue(settings.SendQueueCapacity, settings.MaxQueuedBytes, this);
        _rateLimiter = MessageRateLimiter.For(settings);
        _lastReadTicks = settings.Scheduler.Now.UtcTicks;
        if (settings.KeepAliveInterval != Timeout.InfiniteTimeSpan)
        {
            _heartbeat = new Heartbeat(settings.Scheduler, settings.KeepAliveInterval, settings.KeepAliveTimeout, this);
        }
    }

    public ConnectionState State => _protocol.State;

    public ConnectionSettings Settings => _settings;

    public ConnectionRole Role => _protocol.Role;

    /// <summary>Messages received and not yet consumed.</summary>
    public int QueuedIncomingMessages => _inbound.Count;

    public ChannelReader<Message> Inbound => _inbound;

    /// <summary>Payload bytes received and not yet consumed (at most <see cref="ConnectionSettings.MaxQueuedBytes"/>, or
    /// one larger message alone).</summary>
    public long QueuedIncomingBytes => _inbound.Bytes;

    /// <summary>Completes on a clean close handshake; faults with <see cref="ConnectionClosedException"/> otherwise.</summary>
    public Task Completion => _completion.Task;

    public CloseStatus? ReceivedClose => _protocol.ReceivedClose;

    /// <summary>The <c>server.port</c> tag of this connection's metrics (its URL's port); set before <see cref="Start"/>.</summary>
    public int MetricsPort { get; set; }

    public CloseStatus? SentClose => _protocol.SentClose;

    /// <summary>When bytes last arrived from the peer (or the connection opened), on the connection's clock.</summary>
    public DateTimeOffset LastActivity =>
        new(_heartbeat?.LastActivityTicks is { } ticks ? Math.Max(ticks, Volatile.Read(ref _lastReadTicks)) : Volatile.Read(ref _lastReadTicks), TimeSpan.Zero);

    public void Start()
    {
        ConnectionDriverRegistry.Add(this);
        _run = RunAsync();
        _heartbeat?.Start();
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
            _protocol.TransportEnded(failure);
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

    public async ValueTask DisposeAsync()
    {
        if (State != ConnectionState.Closed)
        {
            Abort(new ObjectDisposedException("The connection was disposed before it closed."));
        }

        await _run.ConfigureAwait(false);
    }

    bool IHeartbeatOwner.IsKeepAlivePaused => _readPaused || _parked || _send.InBatch;

    void IHeartbeatOwner.OnKeepAliveTimeout(TimeoutException error) => Abort(error);

    void IHeartbeatOwner.SendKeepAlivePing()
    {
        if (!_protocol.CloseQueued)
        {
            EnqueueControl(Opcode.Ping, Pings.NextKeepAlive());
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
