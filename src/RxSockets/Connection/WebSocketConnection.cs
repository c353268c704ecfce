using System.IO.Pipelines;
using System.Net;
using Microsoft.Extensions.Logging;
using RxSockets.Connection;
using RxSockets.Protocol;
using RxSockets.Protocol.Frames;
using RxSockets.Reactive;
using RxSockets.Transport;
using RxSockets.Transport.Connect;
using RxSockets.Transport.Sockets;

namespace RxSockets;

/// <summary>
/// One open WebSocket, client or server side, exposed three ways: <see cref="Incoming"/> (a hot
/// <see cref="IObservable{T}"/>), <see cref="Outgoing"/> (an <see cref="IObserver{T}"/> sink) and
/// <see cref="ReadAllAsync"/> (<c>await foreach</c>).
/// </summary>
/// <remarks>
/// <para><b>Thread safety.</b> Every member may be called from any thread. Sends from several threads are each
/// queued whole (messages never interleave) in the order the queue accepted them.</para>
/// <para><b>Consuming.</b> Received messages wait in a bounded queue until consumed; a slow consumer stops the socket
/// from being read (backpressure) rather than growing memory. Consume either through <see cref="Incoming"/> (any
/// number of subscribers) or through <see cref="ReadAllAsync"/> (one enumerator at a time), not both. Observers are
/// called on the connection's delivery loop, one message at a time; use <c>ObserveOn</c> to move elsewhere. An
/// observer that throws is unsubscribed and logged; its exception never reaches the socket.</para>
/// <para><b>Sending.</b> <see cref="SendAsync(Message, CancellationToken)"/> completes when the message is queued,
/// and waits while the queue is full. <see cref="Outgoing"/> never blocks: a full queue fails the connection with
/// 1011 unless <see cref="ConnectionOptions.OutgoingOverflow"/> says to drop (and count) instead.</para>
/// </remarks>
public sealed partial class WebSocketConnection : IWebSocketChannel, IConnectionObserver, IObserverFaults
{
    private static long s_nextId;

    private readonly ConnectionDriver _driver;
    private readonly OutgoingOverflow _outgoingOverflow;
    private ConnectionWatchers? _watchers;   // States, Outgoing and the control-frame lists, made on first use
    private int _closed;
    private IConnectionOwner? _owner;
    private readonly ChannelObservable<Message> _incoming;
    private readonly ILogger _logger;
    private int _disposed;

    // What the handshake settled, in one reference (HandshakeDetails.Settle): the request, the response headers, or
    // the details.
    private readonly object? _handshake;

    internal WebSocketConnection(ITransport transport, ConnectionRole role,
        ConnectionOptions options, ConnectionInfo info)
    {
        Id = Interlocked.Increment(ref s_nextId);
        Role = role;
        Url = info.Url;
        _handshake = HandshakeDetails.Settle(info);
        RemoteEndPoint = info.RemoteEndPoint;
        _logger = options.LoggerFactory.CreateLogger("RxSockets.Connection");
        _outgoingOverflow = options.OutgoingOverflow;
        _driver = new ConnectionDriver(transport, role, options.ToSettings(), this, info.Deflate);
        _incoming = new ChannelObservable<Message>(_driver.Inbox, _driver.Completion, this, nameof(Incoming));
        _driver.MetricsPort = Url.Port;
        Diagnostics.RxSocketsMetrics.ConnectionOpened(role, Url.Port);
        _driver.Start();
    }

    /// <summary>A number unique within the process, for logs.</summary>
    public long Id { get; }

    /// <summary>Which end of the connection this is.</summary>
    public ConnectionRole Role { get; }

    /// <summary>The URL connected to (client), or the URL the client asked for (server).</summary>
    public Uri Url { get; }

    /// <summary>The subprotocol both ends agreed on, or null.</summary>
    public string? SubProtocol => (_handshake as HandshakeDetails)?.SubProtocol;

    /// <summary>The negotiated <c>Sec-WebSocket-Extensions</c>; empty when none.</summary>
    public string Extensions => (_handshake as HandshakeDetails)?.Extensions ?? "";

    /// <summary>On a server, the handshake request the client sent; null on a client.</summary>
    public HandshakeRequest? Request => _handshake switch
    {
        HandshakeRequest request => request,
        HandshakeDetails details => details.Request,
        _ => null,
    };

    /// <summary>On a client, the headers of the server's <c>101 Switching Protocols</c> answer (case-insensitive
    /// names, a repeated header's values joined with ", "), such as a cookie or a driver id the server sets; empty on
    /// a server and on a connection made with <see cref="Create"/>.</summary>
    public IReadOnlyDictionary<string, string> ResponseHeaders => _handshake switch
    {
        IReadOnlyDictionary<string, string> headers => headers,
        HandshakeDetails details => details.ResponseHeaders,
        _ => System.Collections.ObjectModel.ReadOnlyDictionary<string, string>.Empty,
    };

    /// <summary>The peer's address, when the transport is a socket.</summary>
    public EndPoint? RemoteEndPoint { get; }

    /// <summary>The current state.</summary>
    public ConnectionState State => _driver.State;

    /// <summary>Whether the connection is <see cref="ConnectionState.Open"/>: sends are accepted.</summary>
    public bool IsConnected => _driver.State == ConnectionState.Open;

    /// <summary>The current state, then every change; completes after <see cref="ConnectionState.Closed"/>.</summary>
    public IObservable<ConnectionState> States
    {
        get
        {
            var watchers = Watchers;
            if (Volatile.Read(ref watchers.States) is { } existing)
            {
                return existing;
            }

            // Under one lock with the state changes (see OnStateChanged): made with the state of now, the list
            // then hears every later change once.
            lock (_incoming)
            {
                if (watchers.States is null)
                {
                    var state = State;
                    var created = new StateObservable<ConnectionState>(state, this);
                    if (state == ConnectionState.Closed)
                    {
                        created.SetIfChanged(state, final: true);
                    }

                    Volatile.Write(ref watchers.States, created);
                }

                return watchers.States;
            }
        }
    }

    /// <summary>The close status the peer sent, once it arrived; null before, or when the connection dropped.</summary>
    public CloseStatus? CloseStatus => _driver.ReceivedClose;

    /// <summary>Payload bytes queued for sending but not yet handed to the socket.</summary>
    public long BufferedAmount => _driver.Outbox.BufferedAmount;

    /// <summary>Messages dropped instead of sent: by <see cref="Outgoing"/> under <see cref="OutgoingOverflow.DropNewest"/>
    /// or because the connection was already closing, and (on a server) broadcasts and topic publishes dropped for this
    /// connection by <see cref="WebSocketServerOptions.BroadcastOverflow"/>.</summary>
    public long DroppedOutgoing => _driver.Outbox.Dropped;

    /// <summary>Messages that arrived after we started closing while the consumer was behind, and so were discarded —
    /// with every message after the first of them, so that what was delivered has no hole.</summary>
    public long DroppedIncoming => _driver.Inbox.Dropped;

    /// <summary>Completes when the connection ended with a clean close handshake (whatever its code, see
    /// <see cref="CloseStatus"/>); faults with <see cref="ConnectionClosedException"/> otherwise.</summary>
    public Task Completion => _driver.Completion;

    /// <summary>Received messages: hot and multicast. Messages wait until the first subscription, so none is lost.
    /// Completes on a clean close; fails with <see cref="ConnectionClosedException"/> otherwise.</summary>
    public IObservable<Message> Incoming => _incoming;

    /// <summary>The send sink: <c>OnNext</c> queues, <c>OnCompleted</c> closes with 1000, <c>OnError</c> closes with 1011.</summary>
    public IObserver<Message> Outgoing =>
        LazyField.Get(ref Watchers.Outgoing, this, static connection => new OutgoingObserver(connection._driver, connection._outgoingOverflow));

    /// <summary>Payloads of pings received (answered automatically unless <see cref="ConnectionOptions.AutoPong"/> is off).</summary>
    public IObservable<ReadOnlyMemory<byte>> Pings => ControlObservers(ref Watchers.Pings);

    /// <summary>Payloads of pongs received.</summary>
    public IObservable<ReadOnlyMemory<byte>> Pongs => ControlObservers(ref Watchers.Pongs);

    /// <summary>The round-trip time of every ping answered: keepalive pings and <see cref="PingAsync"/>, measured on
    /// the connection's clock. Completes when the connection closes.</summary>
    public IObservable<TimeSpan> Rtt => ControlObservers(ref Watchers.RoundTrips);

    /// <summary>When bytes last arrived from the peer (any frame, data or control), or when the connection opened, on
    /// the connection's clock (<see cref="ConnectionOptions.Scheduler"/>).</summary>
    public DateTimeOffset LastActivity => _driver.LastActivity;

    /// <summary>Connects to a WebSocket server and completes when the opening handshake succeeded.</summary>
    /// <param name="uri">A <c>ws://</c> URL (see <see cref="WebSocketUrl"/>).</param>
    /// <param name="options">Client options; null for the defaults.</param>
    /// <param name="cancellationToken">Cancels the connection attempt.</param>
    /// <exception cref="ArgumentException">The URL is not an absolute ws:// URL, or an option is invalid.</exception>
    /// <exception cref="HandshakeException">The server refused the upgrade; carries the HTTP status.</exception>
    public static ValueTask<WebSocketConnection> ConnectAsync(Uri uri, ClientConnectionOptions? options = null, CancellationToken cancellationToken = default)
    {
        var url = WebSocketUrl.Validate(uri, nameof(uri));
        var validated = (options ?? new DefaultClientConnectionOptions()).ValidatedCopy();
        return ConnectValidatedAsync(url, validated, cancellationToken);
    }

    /// <summary>Connects with options already validated and copied (<see cref="WebSocketClient"/>'s too): the
    /// connector opens the transport and runs the handshake; the connection is built here, by the surface.</summary>
    internal static async ValueTask<WebSocketConnection> ConnectValidatedAsync(Uri url, ClientConnectionOptions validated, CancellationToken cancellationToken)
    {
        // Built after the connector returned, so in the caller's context rather than under the connect span, which
        // has ended: what the connection's loops do later is not traced as part of the connect.
        var (transport, info) = await ClientConnector.ConnectAsync(url, validated.ToConnectSettings(), cancellationToken).ConfigureAwait(false);
        try
        {
            return new WebSocketConnection(transport, ConnectionRole.Client, validated, info);
        }
        catch
        {
            await transport.CloseAsync(shutdownFirst: false).ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Connects to a WebSocket server given its URL as a string.</summary>
    /// <inheritdoc cref="ConnectAsync(Uri, ClientConnectionOptions?, CancellationToken)"/>
    public static ValueTask<WebSocketConnection> ConnectAsync(string url, ClientConnectionOptions? options = null, CancellationToken cancellationToken = default) =>
        ConnectAsync(WebSocketUrl.Parse(url, nameof(url)), options, cancellationToken);

    /// <summary>Runs the WebSocket protocol over a transport that has already been upgraded (the opening handshake
    /// is done), as <c>WebSocket.CreateFromStream</c> does.</summary>
    /// <param name="transport">The upgraded byte stream.</param>
    /// <param name="role">Which end this is.</param>
    /// <param name="options">Options; null for the role's defaults.</param>
    /// <returns>The open connection. Disposing it completes the transport.</returns>
    public static WebSocketConnection Create(IDuplexPipe transport, ConnectionRole role, ConnectionOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(transport);
        options ??= new DefaultConnectionOptions();
        var validated = options.ValidatedCopy();
        return new WebSocketConnection(new PipeTransport(transport), role, validated,
            new ConnectionInfo(new Uri("ws://localhost/"), null, null, null, null));
    }

    /// <summary>Reads received messages with <c>await foreach</c>. Ends after a clean close; throws
    /// <see cref="ConnectionClosedException"/> (after the last queued message) otherwise.</summary>
    /// <param name="cancellationToken">Stops the enumeration (not the connection).</param>
    /// <exception cref="InvalidOperationException">The messages are already consumed through <see cref="Incoming"/>,
    /// or another enumeration is running.</exception>
    public IAsyncEnumerable<Message> ReadAllAsync(CancellationToken cancellationToken = default) =>
        _incoming.ReadAllAsync(cancellationToken);

    /// <summary>Queues a message; completes when queued, waiting while the send queue is full.</summary>
    /// <param name="message">The message.</param>
    /// <param name="cancellationToken">Cancels the wait for room in the queue.</param>
    /// <exception cref="ConnectionClosedException">In the task: the connection is closing or closed.</exception>
    public ValueTask SendAsync(Message message, CancellationToken cancellationToken = default) =>
        _driver.Outbox.SendAsync(message, cancellationToken);

    /// <summary>Queues a text message.</summary>
    /// <inheritdoc cref="SendAsync(Message, CancellationToken)"/>
    public ValueTask SendAsync(string text, CancellationToken cancellationToken = default) =>
        _driver.Outbox.SendAsync(Message.Text(text), cancellationToken);

    /// <summary>Queues a binary message. The bytes are not copied and are read when the message is written, after the task
    /// completes: do not change them afterwards (the message owns them).</summary>
    /// <inheritdoc cref="SendAsync(Message, CancellationToken)"/>
    public ValueTask SendAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default) =>
        _driver.Outbox.SendAsync(Message.Binary(data), cancellationToken);

    internal ConnectionDriver Driver => _driver;

    internal bool TrySend(PreparedFrame frame) => _driver.Outbox.TrySend(frame);

    internal ValueTask SendAsync(PreparedFrame frame, CancellationToken cancellationToken) => _driver.Outbox.SendAsync(frame, cancellationToken);

    /// <summary>Sends a ping and completes with the round-trip time when its pong arrives.</summary>
    /// <param name="payload">Up to 125 bytes; empty to let the connection choose a unique payload.</param>
    /// <param name="cancellationToken">Stops waiting for the pong.</param>
    /// <returns>The round-trip time, measured on the connection's clock.</returns>
    public ValueTask<TimeSpan> PingAsync(ReadOnlyMemory<byte> payload = default, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(payload.Length, FrameHeader.MaxControlPayloadLength, nameof(payload));
        return _driver.Outbox.PingAsync(payload, cancellationToken);
    }

    /// <summary>Closes with the close handshake after the messages already queued, and waits until the connection
    /// has ended (at most <see cref="ConnectionOptions.CloseTimeout"/>).</summary>
    /// <param name="code">The code to send: 1000–1003, 1007–1014 or 3000–4999.</param>
    /// <param name="reason">At most 123 UTF-8 bytes.</param>
    /// <param name="cancellationToken">Stops waiting (the close goes on).</param>
    /// <exception cref="ArgumentException">The code may not be sent or the reason is too long.</exception>
    public Task CloseAsync(CloseCode code = CloseCode.NormalClosure, string reason = "", CancellationToken cancellationToken = default)
    {
        var status = new CloseStatus(code, reason);
        ClosePayload.ValidateOutgoing(status);
        return _driver.CloseAsync(status, cancellationToken);
    }

    /// <summary>Sends a pong: unsolicited, as a one-way heartbeat the peer does not answer (RFC 6455 §5.5.3), or as
    /// the answer to a ping seen on <see cref="Pings"/> when <see cref="ConnectionOptions.AutoPong"/> is off.</summary>
    /// <param name="payload">Up to 125 bytes (an answer echoes the ping's payload).</param>
    /// <param name="cancellationToken">Cancels the wait while 16 pongs already wait to be written.</param>
    /// <returns>Completes when the pong is queued (control frames go ahead of queued messages).</returns>
    /// <exception cref="ArgumentException">The payload is longer than 125 bytes.</exception>
    /// <exception cref="ConnectionClosedException">In the task: the connection is closing or closed.</exception>
    public ValueTask PongAsync(ReadOnlyMemory<byte> payload = default, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(payload.Length, FrameHeader.MaxControlPayloadLength, nameof(payload));
        return _driver.Outbox.PongAsync(payload, cancellationToken);
    }

    /// <summary>True between <see cref="Pause"/> and <see cref="Resume"/>.</summary>
    public bool IsPaused => _driver.Inbox.IsPaused;

    /// <summary>Stops reading from the socket, as ws's <c>pause()</c>: what the peer sends stays in the socket's
    /// buffers until <see cref="Resume"/>, so TCP holds the peer back; nothing is lost. Messages (and pings) already
    /// read are still delivered. While paused, pings and pongs from the peer are not read either, so the keepalive
    /// deadline is suspended (our pings still go out); a close, ours or the peer's once it is read, reads on to finish
    /// the close handshake. Idempotent.</summary>
    public void Pause() => _driver.Pause();

    /// <summary>Reads again after <see cref="Pause"/>, from where reading stopped. Idempotent.</summary>
    public void Resume() => _driver.Resume();

    /// <summary>Drops the connection at once without a close handshake (ws's <c>terminate()</c>).</summary>
    public void Abort() => _driver.Abort();

    /// <summary>Closes with 1000 if still open (bounded by the close timeout), then releases the transport. Never throws.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        if (State == ConnectionState.Open)
        {
            _driver.BeginClose(new CloseStatus(CloseCode.NormalClosure));
        }

        await Task.WhenAny(_driver.Completion).ConfigureAwait(false);
        await _driver.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>"WebSocketConnection #3 Open ws://host/path".</summary>
    public override string ToString() => $"WebSocketConnection #{Id} {State} {Url}";

    /// <summary>Tells <paramref name="owner"/> when this connection closes (the server's registry). A full fence,
    /// so either the closing thread sees the owner or the caller sees <see cref="State"/> closed.</summary>
    internal void SetOwner(IConnectionOwner owner) => Interlocked.Exchange(ref _owner, owner);

    void IConnectionObserver.OnStateChanged(ConnectionState state)
    {
        var closed = state == ConnectionState.Closed;
        lock (_incoming)
        {
            // The state may already be the one States was made with: it is told once.
            Volatile.Read(ref _watchers)?.States?.SetIfChanged(state, final: closed);
        }

        if (closed)
        {
            // A full fence before reading the lists: a list created concurrently either is seen here or sees _closed.
            Interlocked.Exchange(ref _closed, 1);
            if (Volatile.Read(ref _watchers) is { } watchers)
            {
                Volatile.Read(ref watchers.Pings)?.Complete();
                Volatile.Read(ref watchers.Pongs)?.Complete();
                Volatile.Read(ref watchers.RoundTrips)?.Complete();
            }

            Volatile.Read(ref _owner)?.OnConnectionClosed(this);
        }
    }

    void IObserverFaults.OnObserverFault(Exception error) => Diagnostics.Log.ObserverFaulted(_logger, Id, error);

    void IConnectionObserver.OnPing(ReadOnlyMemory<byte> payload) => Volatile.Read(ref _watchers)?.Pings?.Next(payload);

    void IConnectionObserver.OnPong(ReadOnlyMemory<byte> payload) => Volatile.Read(ref _watchers)?.Pongs?.Next(payload);

    void IConnectionObserver.OnRoundTrip(TimeSpan rtt) => Volatile.Read(ref _watchers)?.RoundTrips?.Next(rtt);

    /// <summary>The lazily made parts, made now if none was yet.</summary>
    private ConnectionWatchers Watchers => LazyInitializer.EnsureInitialized(ref _watchers);

    /// <summary>Creates a control-frame observer list on first use: most connections never watch pings or pongs, and
    /// an idle connection should cost as little as possible.</summary>
    private ObserverList<T> ControlObservers<T>(ref ObserverList<T>? field)
    {
        if (Volatile.Read(ref field) is { } existing)
        {
            return existing;
        }

        var created = new ObserverList<T>((IObserverFaults)this);
        var list = Interlocked.CompareExchange(ref field, created, null) ?? created;
        if (Volatile.Read(ref _closed) == 1)
        {
            list.Complete();
        }

        return list;
    }
}
