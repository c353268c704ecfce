using System.Reactive.Concurrency;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace RxSockets;

/// <summary>
/// Options every connection shares, client or server. Options are validated when a connection or server is created
/// from them (an <see cref="ArgumentException"/> names the property to fix) and then copied, so changing an options
/// object afterwards does not affect connections already made.
/// </summary>
/// <remarks>Not thread-safe while being configured; treat an instance as immutable once in use.</remarks>
public abstract class ConnectionOptions
{
    private Transport.ConnectionSettings? _settings;   // see ToSettings
    private ConnectionOptions? _settingsSource;
    /// <summary>The largest message accepted, in bytes; a larger one closes the connection with 1009.</summary>
    /// <value>The default is 1 MiB.</value>
    public long MaxMessageSize { get; set; } = 1024 * 1024;

    /// <summary>The most frames one message may arrive in; more closes the connection with 1009. 0 = unlimited.</summary>
    /// <value>The default is 1,024.</value>
    public int MaxFragments { get; set; } = 1024;

    /// <summary>Messages received but not yet consumed. When the queue is full the socket is not read (backpressure).</summary>
    /// <value>The default is 16.</value>
    public int ReceiveQueueCapacity { get; set; } = 16;

    /// <summary>Messages accepted by <c>SendAsync</c> but not yet written. When full, <c>SendAsync</c> waits.</summary>
    /// <value>The default is 16.</value>
    public int SendQueueCapacity { get; set; } = 16;

    /// <summary>The most payload bytes each of a connection's queues may hold: its receive queue (messages received but
    /// not yet consumed: beyond it the socket is not read) and its send queue (messages accepted but not yet written:
    /// beyond it <c>SendAsync</c> waits and <c>Outgoing.OnNext</c> applies <see cref="OutgoingOverflow"/>). It bounds
    /// the queues together with <see cref="ReceiveQueueCapacity"/> and <see cref="SendQueueCapacity"/>, whichever is
    /// reached first. An empty queue takes one message however large (up to <see cref="MaxMessageSize"/> when
    /// received), so a message bigger than this budget still passes, alone.</summary>
    /// <value>The default is 1 MiB: with the default <see cref="MaxMessageSize"/>, a connection that neither reads
    /// nor lets its peer's replies out pins a few MiB at most, not capacity × message size.</value>
    public long MaxQueuedBytes { get; set; } = 1024 * 1024;

    /// <summary>Whether a received message is handed to a waiting consumer (the <c>Incoming</c> observers or an
    /// <c>await foreach</c> over <c>ReadAllAsync</c>) on the connection's read loop thread, with no thread hop; what the
    /// consumer sends in reply to one socket read then leaves in one socket write.</summary>
    /// <value>The default is true, the fastest. The consumer then must not block that thread waiting for something
    /// the same connection has yet to receive (such as <c>PingAsync().Wait()</c> inside <c>OnNext</c>): use
    /// <c>await</c>, <c>ObserveOn</c>, or set this to false, which delivers from a thread-pool loop instead.</value>
    public bool InlineDelivery { get; set; } = true;

    /// <summary>What <c>Outgoing.OnNext</c> does when the send queue is full (it never blocks).</summary>
    /// <value>The default is <see cref="OutgoingOverflow.Fail"/>: the connection closes with 1011.</value>
    public OutgoingOverflow OutgoingOverflow { get; set; } = OutgoingOverflow.Fail;

    /// <summary>Outgoing messages longer than this many bytes are sent in several frames. 0 = never fragment.</summary>
    /// <value>The default is 0.</value>
    public int FragmentSize { get; set; }

    /// <summary>Interval between keepalive pings.</summary>
    /// <value>The default is 20 seconds. <see cref="Timeout.InfiniteTimeSpan"/> disables keepalive.</value>
    public TimeSpan KeepAliveInterval { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>How long to wait for any sign of life (a pong or any frame) after a keepalive ping before the peer is
    /// declared dead and the connection aborted.</summary>
    /// <value>The default is 20 seconds. <see cref="Timeout.InfiniteTimeSpan"/> never declares the peer dead.</value>
    public TimeSpan KeepAliveTimeout { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>How long the close handshake may take before the transport is closed regardless.</summary>
    /// <value>The default is 10 seconds.</value>
    public TimeSpan CloseTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How long the opening handshake may take: for a client, name resolution, TCP connect, the proxy tunnel,
    /// TLS, the HTTP exchange and any redirects followed, all together; for a server, from accepting the socket to the
    /// 101 (a client whose request has not fully arrived by then is answered <c>408 Request Timeout</c>).</summary>
    /// <value>The default is 10 seconds.</value>
    public TimeSpan HandshakeTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>The largest HTTP handshake head accepted, in bytes (a server answers 431 beyond it, and also beyond
    /// 100 header fields).</summary>
    /// <value>The default is 16 KiB.</value>
    public int MaxHeaderBytes { get; set; } = 16 * 1024;

    /// <summary>permessage-deflate compression (RFC 7692): a client offers it, a server accepts it when offered.</summary>
    /// <value>The default is null: no compression is offered or accepted.</value>
    public PerMessageDeflateOptions? PerMessageDeflate { get; set; }

    /// <summary>Whether a ping is answered with a pong automatically (RFC 6455 §5.5.2).</summary>
    /// <value>The default is true.</value>
    public bool AutoPong { get; set; } = true;

    /// <summary>Whether received text messages skip the UTF-8 check of RFC 6455 §8.1 (as node ws's
    /// <c>skipUTF8Validation</c>), saving its cost on large trusted text.</summary>
    /// <value>The default is false. When true, invalid UTF-8 from a faulty or hostile peer is delivered instead of
    /// closing the connection with 1007: <see cref="Message.GetText"/> then substitutes U+FFFD for the bad bytes, and
    /// code reading <see cref="Message.Data"/> as UTF-8 must not assume it is valid. Only for peers you trust.</value>
    public bool SkipUtf8Validation { get; set; }

    /// <summary>The clock every timer of the connection runs on: keepalive, close and handshake timeouts.</summary>
    /// <value>The default is <see cref="DefaultScheduler.Instance"/>. Tests pass a virtual-time scheduler.</value>
    public IScheduler Scheduler { get; set; } = DefaultScheduler.Instance;

    /// <summary>Where the connection logs (categories <c>RxSockets.Client</c>, <c>RxSockets.Server</c>, <c>RxSockets.Connection</c>).</summary>
    /// <value>The default logs nowhere.</value>
    public ILoggerFactory LoggerFactory { get; set; } = NullLoggerFactory.Instance;

    /// <summary>Checks every property; called when a connection or server is created from these options.</summary>
    /// <exception cref="ArgumentException">A property is out of range; the message names it.</exception>
    protected internal virtual void Validate()
    {
        Require(MaxMessageSize > 0 && MaxMessageSize <= Array.MaxLength, nameof(MaxMessageSize), $"must be between 1 and {Array.MaxLength:N0} bytes (the largest array .NET allows)");
        Require(MaxFragments >= 0, nameof(MaxFragments), "must be 0 (unlimited) or positive");
        Require(ReceiveQueueCapacity > 0, nameof(ReceiveQueueCapacity), "must be positive");
        Require(SendQueueCapacity > 0, nameof(SendQueueCapacity), "must be positive");
        Require(MaxQueuedBytes > 0, nameof(MaxQueuedBytes), "must be positive (a message larger than it still passes an empty queue)");
        Require(FragmentSize >= 0, nameof(FragmentSize), "must be 0 (never fragment) or positive");
        Require(Enum.IsDefined(OutgoingOverflow), nameof(OutgoingOverflow), "is not a defined value");
        RequireTimeout(KeepAliveInterval, nameof(KeepAliveInterval));
        RequireTimeout(KeepAliveTimeout, nameof(KeepAliveTimeout));
        RequireTimeout(CloseTimeout, nameof(CloseTimeout));
        RequireTimeout(HandshakeTimeout, nameof(HandshakeTimeout));
        Require(MaxHeaderBytes >= 1024, nameof(MaxHeaderBytes), "must be at least 1,024 bytes");
        Require(Scheduler is not null, nameof(Scheduler), "must not be null");
        Require(LoggerFactory is not null, nameof(LoggerFactory), "must not be null");
    }

    /// <summary>Validates, then copies, so later changes to this object do not reach connections made from it.</summary>
    internal ConnectionOptions ValidatedCopy() => CopyValidated();

    /// <summary>What the connection engine reads of these options. Made once per options object and shared by every
    /// connection made from it (connections are made from validated copies, which nobody changes); a copy made by
    /// <c>MemberwiseClone</c> carries its original's cached settings and source,
    /// which the source check sees, so it makes its own.</summary>
    internal Transport.ConnectionSettings ToSettings()
    {
        // The source is written after the settings and read before them, so whoever sees itself as the source sees
        // settings made from itself (racing callers make equal ones; either may stay).
        if (ReferenceEquals(Volatile.Read(ref _settingsSource), this))
        {
            return _settings!;
        }

        var settings = CreateSettings();
        _settings = settings;
        Volatile.Write(ref _settingsSource, this);
        return settings;
    }

    private Transport.ConnectionSettings CreateSettings()
    {
        var (rate, burst) = PeerMessageRate();
        return new Transport.ConnectionSettings
        {
            MaxMessageSize = MaxMessageSize,
            MaxFragments = MaxFragments,
            ReceiveQueueCapacity = ReceiveQueueCapacity,
            SendQueueCapacity = SendQueueCapacity,
            MaxQueuedBytes = MaxQueuedBytes,
            InlineDelivery = InlineDelivery,
            FragmentSize = FragmentSize,
            KeepAliveInterval = KeepAliveInterval,
            KeepAliveTimeout = KeepAliveTimeout,
            CloseTimeout = CloseTimeout,
            AutoPong = AutoPong,
            SkipUtf8Validation = SkipUtf8Validation,
            MessageRateLimit = rate,
            MessageRateBurst = burst,
            Scheduler = Scheduler,
            LoggerFactory = LoggerFactory,
        };
    }

    private protected abstract ConnectionOptions CopyValidated();

    /// <summary>The rate and burst a peer's messages are limited to, (0, 0) for none. Only a server limits them
    /// (<c>WebSocketServerOptions.MessageRateLimit</c>), by overriding this.</summary>
    private protected virtual (double Rate, int Burst) PeerMessageRate() => (0d, 0);

    /// <summary>Throws an <see cref="ArgumentException"/> naming <paramref name="property"/> unless <paramref name="condition"/> holds.</summary>
    protected static void Require(bool condition, string property, string rule)
    {
        if (!condition)
        {
            throw new ArgumentException($"{property} {rule}.", property);
        }
    }

    private static void RequireTimeout(TimeSpan value, string property) =>
        Require(value > TimeSpan.Zero || value == Timeout.InfiniteTimeSpan, property, "must be positive or Timeout.InfiniteTimeSpan");
}
