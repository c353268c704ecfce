using RxSockets.Protocol;
using RxSockets.Protocol.Connection;
using RxSockets.Protocol.Deflate;
using RxSockets.Transport.Sockets;

namespace RxSockets.Transport;

/// <summary>
/// The I/O driver of one WebSocket over an upgraded transport: it runs what the sans-I/O <see cref="ConnectionProtocol"/>
/// cannot. It owns the read loop (the only reader, ConnectionDriver.Reading.cs) and coordinates the connection's end
/// (ConnectionDriver.Closing.cs); the inbound side (delivery, backpressure, Pause/Resume) is the <see cref="Inbox"/>,
/// the outbound side (the sends, pings and pongs, the writer pass) the <see cref="Outbox"/>. Every decision about
/// frames — the state, the close handshake, which code a failure earns — is the protocol's.
/// </summary>
/// <remarks>Thread-safe: every public member may be called from any thread. It locks itself around the protocol's
/// state (it is internal: nobody else locks it), which saves a lock object per connection. It is its own
/// <see cref="TaskCompletionSource"/> (<see cref="Completion"/>'s source), which saves another.</remarks>
internal sealed partial class ConnectionDriver : TaskCompletionSource, IAsyncDisposable, IHeartbeatOwner, IListNode<ConnectionDriver>, IThreadPoolWorkItem
{
    private readonly ConnectionSettings _settings;
    private readonly IConnectionObserver _observer;
    private readonly ConnectionProtocol _protocol;
    private readonly long _openedAt = System.Diagnostics.Stopwatch.GetTimestamp();   // for the duration metric
    private readonly Inbox _inbox;
    private readonly Outbox _outbox;
    private bool _started;

    // The keepalive (IHeartbeatOwner): the shared clock while joined, its list's links and the unanswered ping's time,
    // guarded by the clock. When the last sign of life arrived is _lastReadTicks (ConnectionDriver.Reading.cs).
    private HeartbeatClock? _clock;
    private IHeartbeatOwner? _clockPrevious;
    private IHeartbeatOwner? _clockNext;
    private long _awaitingSince;

    // Links of ConnectionDriverRegistry (every open connection, for the queue-depth instruments), guarded by its lock.
    internal ConnectionDriver? RegistryPrevious;
    internal ConnectionDriver? RegistryNext;

    ConnectionDriver? IListNode<ConnectionDriver>.Previous { get => RegistryPrevious; set => RegistryPrevious = value; }

    ConnectionDriver? IListNode<ConnectionDriver>.Next { get => RegistryNext; set => RegistryNext = value; }

    /// <param name="transport">The upgraded byte stream and control over its end.</param>
    /// <param name="deflate">What permessage-deflate settled, or null when it was not negotiated.</param>
    public ConnectionDriver(ITransport transport, ConnectionRole role, ConnectionSettings settings, IConnectionObserver observer, DeflateSettings? deflate = null)
        : base(TaskCreationOptions.RunContinuationsAsynchronously)
    {
        _settings = settings;
        _observer = observer;
        _protocol = new ConnectionProtocol(role, settings.MaxMessageSize, settings.MaxFragments, validateUtf8: !settings.SkipUtf8Validation, settings.FragmentSize, deflate);
        _inbox = new Inbox(settings.ReceiveQueueCapacity, settings.MaxQueuedBytes, inline: settings.InlineDelivery);
        _outbox = new Outbox(_protocol, transport, this);
        _rateLimiter = MessageRateLimiter.For(settings);
        _lastReadTicks = settings.Scheduler.Now.UtcTicks;
    }

    public ConnectionState State => _protocol.State;

    public ConnectionSettings Settings => _settings;

    public ConnectionRole Role => _protocol.Role;

    /// <summary>The received messages on their way to the consumer (the inbound queue), and Pause/Resume.</summary>
    public Inbox Inbox => _inbox;

    /// <summary>The sending API and the send queue, with the writer that empties it.</summary>
    public Outbox Outbox => _outbox;

    /// <summary>The <c>server.port</c> tag of this connection's metrics (its URL's port); set before <see cref="Start"/>.</summary>
    public int MetricsPort { get; set; }

    /// <summary>Completes on a clean close handshake; faults with <see cref="ConnectionClosedException"/> otherwise.</summary>
    public Task Completion => Task;

    public CloseStatus? ReceivedClose => _protocol.ReceivedClose;

    public CloseStatus? SentClose => _protocol.SentClose;

    /// <summary>When bytes last arrived from the peer (or the connection opened), on the connection's clock.</summary>
    public DateTimeOffset LastActivity => new(Volatile.Read(ref _lastReadTicks), TimeSpan.Zero);

    /// <summary>This connection while it pings its peer (its keepalive has a clock), for the waits that pause the
    /// deadline and start it again when they end; null otherwise.</summary>
    private IHeartbeatOwner? KeepAlive => Volatile.Read(ref _clock) is null ? null : this;

    public void Start()
    {
        ConnectionDriverRegistry.Add(this);
        _started = true;
        if (_settings.KeepAliveInterval != Timeout.InfiniteTimeSpan)
        {
            // Before the read loop starts: its end leaves the clock, and must find it joined.
            _clock = HeartbeatClock.Join(this, _settings.Scheduler, _settings.KeepAliveInterval, _settings.KeepAliveTimeout);
        }

        ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);   // the driver is the work item: nothing allocated
    }

    /// <summary>The read loop's first round, queued by <see cref="Start"/>. It runs without the starter's execution
    /// context, as every later round does (an epoll read resumes it from the engine's thread).</summary>
    void IThreadPoolWorkItem.Execute() => _ = RunAsync(resumed: false);

    /// <summary>Assembles received messages into pooled buffers from the next message on (a lease consumer).</summary>
    public void UsePooledPayloads() => _protocol.PooledPayloads = true;

    /// <summary>Stops reading until <see cref="Resume"/> (see <see cref="Inbox.Pause"/>).</summary>
    public void Pause() => _inbox.Pause(_outbox.Transport);

    /// <summary>Lets the read loop read again after <see cref="Pause"/>; nothing when not paused.</summary>
    public void Resume() => _inbox.Resume();

    public async ValueTask DisposeAsync()
    {
        if (State != ConnectionState.Closed)
        {
            Abort(new ObjectDisposedException("The connection was disposed before it closed."));
        }

        if (_started)
        {
            // The read loop ends by completing it (see FinishAsync).
            await Completion.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    IHeartbeatOwner? IListNode<IHeartbeatOwner>.Previous { get => _clockPrevious; set => _clockPrevious = value; }

    IHeartbeatOwner? IListNode<IHeartbeatOwner>.Next { get => _clockNext; set => _clockNext = value; }

    long IHeartbeatOwner.LastActivityTicks => Volatile.Read(ref _lastReadTicks);

    long IHeartbeatOwner.AwaitingSince { get => _awaitingSince; set => _awaitingSince = value; }

    bool IHeartbeatOwner.IsKeepAlivePaused => _inbox.IsReadPaused || _inbox.IsParked || _outbox.InBatch;

    void IHeartbeatOwner.OnKeepAliveTimeout(TimeoutException error) => Abort(error);

    void IHeartbeatOwner.SendKeepAlivePing() => _outbox.SendKeepAlivePing();

    void IHeartbeatOwner.OnActivity() => RecordActivity();

    /// <summary>A sign of life from the peer, now: <see cref="LastActivity"/>, and the keepalive's deadline.</summary>
    private void RecordActivity() => Volatile.Write(ref _lastReadTicks, _settings.Scheduler.Now.UtcTicks);

    /// <summary>Leaves the keepalive clock: no more pings, no deadline.</summary>
    private void StopKeepAlive() => Interlocked.Exchange(ref _clock, null)?.Leave(this);
}
