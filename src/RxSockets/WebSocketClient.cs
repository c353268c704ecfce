using Microsoft.Extensions.Logging;
using RxSockets.Reactive;
using RxSockets.Transport;

namespace RxSockets;

/// <summary>
/// A WebSocket client that survives disconnects: it reconnects with exponential backoff (see
/// <see cref="ReconnectOptions"/>), keeps one <see cref="Incoming"/> stream across connections, and queues what is sent
/// while disconnected to send it, in order, after the reconnect.
/// </summary>
/// <remarks>
/// <para><b>Thread safety.</b> Every member may be called from any thread. Sends from several threads are each queued
/// whole, in the order the queue accepted them.</para>
/// <para><b>Delivery.</b> Without session resumption, delivery is at-most-once: a message already handed to a
/// connection that then drops may be lost, and so may messages the server sent while we were disconnected; each
/// reconnect is reported as a fresh session (<see cref="ClientReconnected.Resumed"/> false). Messages never arrive twice
/// nor out of order.</para>
/// <para><b>Order on every connection.</b> The handshake, then <see cref="Connections"/> and the
/// <see cref="ClientOpened"/> or <see cref="ClientReconnected"/> event, then <see cref="OnConnected"/> (to send
/// subscriptions or authentication again), and only then the queued messages.</para>
/// <para><b>Consuming.</b> As on <see cref="WebSocketConnection"/>: subscribe to <see cref="Incoming"/> or enumerate
/// <see cref="ReadAllAsync"/>, not both; messages wait (bounded, with backpressure) until someone consumes them. Both
/// complete when the client is disposed.</para>
/// </remarks>
public sealed class WebSocketClient : IWebSocketChannel
{
    private readonly WebSocketClientOptions _options;
    private readonly ReconnectOptions _reconnect;
    private readonly SchedulerTimeProvider _clock;
    private readonly Reconnector _reconnector;
    private readonly ClientSender _sender;
    private readonly Transport.BoundedQueue<Message> _inbound;   // bounded by messages and bytes, across connections
    private readonly TaskCompletionSource _inboundEnd = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly ChannelObservable<Message> _incoming;
    private readonly StateObservable<ClientState> _states;
    private readonly ObserverList<ClientEvent> _events;
    private readonly ObserverList<WebSocketConnection> _connections;
    private readonly ObserverList<ReadOnlyMemory<byte>> _pings;
    private readonly ObserverList<ReadOnlyMemory<byte>> _pongs;
    private readonly ObserverList<TimeSpan> _rtt;
    private readonly Lock _gate = new();
    private readonly Lock _eventGate = new();
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _disposing = new();
    private readonly Messaging.ClientMessaging? _messaging;
    private CancellationTokenSource? _run;
    private Task _running = Task.CompletedTask;
    private TaskCompletionSource _opened = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private WebSocketConnection? _current;
    private int _paused;   // 1 while Pause holds: each new connection starts paused
    private Uri _url;
    private bool _started;
    private int _attempt;
    private int _disposed;

    /// <summary>Creates a client; nothing happens until <see cref="StartAsync"/>.</summary>
    /// <param name="url">A <c>ws://</c> or <c>wss://</c> URL (see <see cref="WebSocketUrl"/>).</param>
    /// <param name="options">Options of every connection; null for the defaults.</param>
    /// <param name="reconnect">How to reconnect; null for the defaults.</param>
    /// <exception cref="ArgumentException">The URL is not an absolute ws:// or wss:// URL, or an option is invalid.</exception>
    public WebSocketClient(Uri url, WebSocketClientOptions? options = null, ReconnectOptions? reconnect = null)
    {
        _url = WebSocketUrl.Validate(url, nameof(url));
        _options = (options ?? new WebSocketClientOptions()).ValidatedCopy();
        _reconnect = (reconnect ?? new ReconnectOptions()).ValidatedCopy();
        _logger = _options.LoggerFactory.CreateLogger("RxSockets.Client");
        Action<Exception> onObserverFault = error => Diagnostics.ClientLog.ObserverFaulted(_logger, error);
        _clock = new SchedulerTimeProvider(_options.Scheduler);
        _reconnector = new Reconnector(_reconnect, _clock, OnReconnecting);
        _sender = new ClientSender(_reconnect.SendQueueCapacity, _reconnect.MaxQueuedBytes, _reconnect.SendOverflow, _clock);
        _inbound = new Transport.BoundedQueue<Message>(_options.ReceiveQueueCapacity, _options.MaxQueuedBytes, static message => message.Data.Length, inline: false);
        _incoming = new ChannelObservable<Message>(_inbound, _inboundEnd.Task, onObserverFault, nameof(Incoming));
        _states = new StateObservable<ClientState>(ClientState.Idle, onObserverFault);
        _events = new ObserverList<ClientEvent>(onObserverFault);
        _connections = new ObserverList<WebSocketConnection>(onObserverFault);
        _pings = new ObserverList<ReadOnlyMemory<byte>>(onObserverFault);
        _pongs = new ObserverList<ReadOnlyMemory<byte>>(onObserverFault);
        _rtt = new ObserverList<TimeSpan>(onObserverFault);
        Outgoing = new ClientOutgoing(_sender, () => _ = EndRunAsync(emitClosed: true),
            _options.Messaging is null ? null : Messaging.ClientMessaging.RawSendRefusal);

        // With WebSocketClientOptions.Resume, one resumable session spans every connection this client opens; with
        // WebSocketClientOptions.Messaging, the messaging protocol runs on every connection (the two never combine).
        if (_options.Messaging is { } messaging)
        {
            _messaging = new Messaging.ClientMessaging(messaging, _options.ReceiveQueueCapacity, _options.Scheduler, () => Now, Publish, _logger);
            SessionLayer = _messaging;
        }
        else
        {
            SessionLayer = Resumption.ResumeLayer.Create(_options);
        }
    }

    /// <summary>Creates a client from a URL string.</summary>
    /// <inheritdoc cref="WebSocketClient(Uri, WebSocketClientOptions?, ReconnectOptions?)"/>
    public WebSocketClient(string url, WebSocketClientOptions? options = null, ReconnectOptions? reconnect = null)
        : this(WebSocketUrl.Parse(url, nameof(url)), options, reconnect)
    {
    }

    /// <summary>The URL the next connection attempt goes to; set it to move to another server between attempts.</summary>
    /// <exception cref="ArgumentException">Not an absolute ws:// or wss:// URL.</exception>
    public Uri Url
    {
        get => Volatile.Read(ref _url);
        set => Volatile.Write(ref _url, WebSocketUrl.Validate(value, nameof(value)));
    }

    /// <summary>Runs after every successful handshake, before queued messages are sent: send subscriptions or
    /// authentication again here (directly on the connection it receives, so they go first). An exception fails the
    /// connection, which is then handled like any loss. Set it before <see cref="StartAsync"/>.</summary>
    public Func<WebSocketConnection, CancellationToken, ValueTask>? OnConnected { get; set; }

    /// <summary>The current state.</summary>
    public ClientState State => _states.Value;

    /// <summary>The current state, then every change; completes after <see cref="ClientState.Disposed"/>.</summary>
    public IObservable<ClientState> States => _states;

    /// <summary>Everything that happens to the client (see <see cref="ClientEvent"/>); hot, completes on dispose.</summary>
    public IObservable<ClientEvent> Events => _events;

    /// <summary>Every connection once it is open, before <see cref="OnConnected"/> runs; hot, completes on dispose.</summary>
    public IObservable<WebSocketConnection> Connections => _connections;

    /// <summary>The open connection, or null while disconnected.</summary>
    public WebSocketConnection? Connection => Volatile.Read(ref _current);

    /// <summary>Whether a connection is open (<see cref="State"/> is <see cref="ClientState.Open"/> and
    /// <see cref="Connection"/> is open). Messages sent while it is false are queued.</summary>
    public bool IsConnected => State == ClientState.Open && Connection is { IsConnected: true };

    /// <summary>Received messages from every connection in turn: hot and multicast, nothing lost before the first
    /// subscription. Completes when the client is disposed. With <see cref="WebSocketClientOptions.Messaging"/> it
    /// carries nothing (every message is a protocol frame: read <see cref="Topic"/> instead).</summary>
    public IObservable<Message> Incoming => _incoming;

    /// <summary>The send sink: <c>OnNext</c> queues without blocking (a full queue drops the message, counted in
    /// <see cref="DroppedOutgoing"/>, unless the policy is <see cref="SendQueueOverflow.DropOldest"/>);
    /// <c>OnCompleted</c> and <c>OnError</c> stop the client. With <see cref="WebSocketClientOptions.Messaging"/>,
    /// <c>OnNext</c> throws <see cref="InvalidOperationException"/> (use <see cref="PublishAsync(string, Message, CancellationToken)"/>).</summary>
    public IObserver<Message> Outgoing { get; }

    /// <summary>Payloads of pings received on any connection.</summary>
    public IObservable<ReadOnlyMemory<byte>> Pings => _pings;

    /// <summary>Payloads of pongs received on any connection.</summary>
    public IObservable<ReadOnlyMemory<byte>> Pongs => _pongs;

    /// <summary>The round-trip time of every ping answered (keepalive pings included), on any connection.</summary>
    public IObservable<TimeSpan> Rtt => _rtt;

    /// <summary>True between <see cref="Pause"/> and <see cref="Resume"/>.</summary>
    public bool IsPaused => Volatile.Read(ref _paused) == 1;

    /// <summary>Stops reading (see <see cref="WebSocketConnection.Pause"/>) on the current connection and on every
    /// connection made after it until <see cref="Resume"/>; a resumable session's re-attach, which must read the
    /// server's answer, waits for Resume too. Idempotent.</summary>
    public void Pause()
    {
        Interlocked.Exchange(ref _paused, 1);   // a full fence: either LiveAsync sees the flag or this sees its connection
        Volatile.Read(ref _current)?.Pause();
    }

    /// <summary>Reads again after <see cref="Pause"/>, on the current connection and the next ones. Idempotent.</summary>
    public void Resume()
    {
        Interlocked.Exchange(ref _paused, 0);
        Volatile.Read(ref _current)?.Resume();
    }

    /// <summary>Messages dropped by <see cref="ReconnectOptions.SendOverflow"/> or by <see cref="Outgoing"/> on a full queue.</summary>
    public long DroppedOutgoing => _sender.Dropped;

    /// <summary>Messages sent with a time-to-live (<see cref="SendAsync(Message, TimeSpan, CancellationToken)"/>) that
    /// expired in the client's queue and so were never sent.</summary>
    public long ExpiredOutgoing => _sender.Expired;

    /// <summary>Messages queued in the client, waiting for a connection (or for room in its send queue).</summary>
    public int QueuedOutgoing => _sender.Queued;

    /// <summary>Starts connecting, and completes when the first connection is open (after <see cref="OnConnected"/>).
    /// A failure worth retrying is retried as after a loss.</summary>
    /// <param name="cancellationToken">Stops waiting; the client keeps trying (call <see cref="StopAsync"/> to stop it).</param>
    /// <exception cref="InvalidOperationException">Already started.</exception>
    /// <exception cref="Exception">In the task: the failure that made the client give up or stop before opening.</exception>
    public Task StartAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) == 1, this);
        lock (_gate)
        {
            if (_started)
            {
                throw new InvalidOperationException("The client is already started; use ReconnectAsync to connect again.");
            }

            _started = true;
            _sender.Start(SessionLayer);
        }

        return BeginRun().WaitAsync(cancellationToken);
    }

    /// <summary>Connects again now: closes the current connection with 1000 (or cuts a backoff wait short, or restarts a
    /// client that gave up or was stopped) and completes when the new connection is open.</summary>
    /// <param name="cancellationToken">Stops waiting; the client keeps trying.</param>
    public async Task ReconnectAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) == 1, this);
        lock (_gate)
        {
            if (!_started)
            {
                _started = true;
                _sender.Start(SessionLayer);
            }
        }

        await EndRunAsync(emitClosed: false).ConfigureAwait(false);
        await BeginRun().WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Closes the current connection with 1000 and stops: no reconnect after. Queued messages stay queued for a
    /// later <see cref="ReconnectAsync"/>.</summary>
    /// <param name="cancellationToken">Stops waiting for the close.</param>
    public Task StopAsync(CancellationToken cancellationToken = default) =>
        EndRunAsync(emitClosed: true).WaitAsync(cancellationToken);

    /// <summary>Closes the current connection with <paramref name="code"/> and <paramref name="reason"/> and stops, as
    /// <see cref="StopAsync"/> does: no reconnect after (<see cref="ReconnectAsync"/> starts again), queued messages
    /// stay queued, and <see cref="ClientClosed"/> reports that status. Without a connection it only stops.</summary>
    /// <param name="code">The code to send: 1000–1003, 1007–1014 or 3000–4999.</param>
    /// <param name="reason">At most 123 UTF-8 bytes.</param>
    /// <param name="cancellationToken">Stops waiting for the close.</param>
    /// <exception cref="ArgumentException">The code may not be sent or the reason is too long.</exception>
    public Task CloseAsync(CloseCode code = CloseCode.NormalClosure, string reason = "", CancellationToken cancellationToken = default)
    {
        var status = new CloseStatus(code, reason);
        Protocol.ClosePayload.ValidateOutgoing(status);
        return EndRunAsync(emitClosed: true, status).WaitAsync(cancellationToken);
    }

    /// <summary>Pings the current connection and completes with the round-trip time when its pong arrives. It does not
    /// wait for a connection: ping to measure the link that is up, not one that may come.</summary>
    /// <param name="payload">Up to 125 bytes; empty to let the connection choose a unique payload.</param>
    /// <param name="cancellationToken">Stops waiting for the pong.</param>
    /// <returns>The round-trip time, measured on the client's clock.</returns>
    /// <exception cref="ArgumentOutOfRangeException">The payload is longer than 125 bytes.</exception>
    /// <exception cref="ConnectionClosedException">In the task: the client is not connected, or the connection closed
    /// before the pong.</exception>
    public ValueTask<TimeSpan> PingAsync(ReadOnlyMemory<byte> payload = default, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(payload.Length, Protocol.FrameHeader.MaxControlPayloadLength, nameof(payload));
        return Volatile.Read(ref _current) is { IsConnected: true } connection
            ? connection.PingAsync(payload, cancellationToken)
            : ValueTask.FromException<TimeSpan>(new ConnectionClosedException(
                $"The client is not connected (it is {State}): PingAsync pings the open connection and does not wait for one."));
    }

    /// <summary>Reads received messages with <c>await foreach</c>, across reconnections; ends when the client is disposed.</summary>
    /// <param name="cancellationToken">Stops the enumeration (not the client).</param>
    public IAsyncEnumerable<Message> ReadAllAsync(CancellationToken cancellationToken = default) =>
        _incoming.ReadAllAsync(cancellationToken);

    /// <summary>Queues a message; completes when queued (not when sent). While the queue is full it waits, drops the
    /// oldest, or fails, as <see cref="ReconnectOptions.SendOverflow"/> says.</summary>
    /// <param name="message">The message.</param>
    /// <param name="cancellationToken">Cancels the wait for room.</param>
    /// <exception cref="InvalidOperationException"><see cref="WebSocketClientOptions.Messaging"/> is set: use
    /// <see cref="PublishAsync(string, Message, CancellationToken)"/> or <see cref="RequestAsync"/>.</exception>
    public ValueTask SendAsync(Message message, CancellationToken cancellationToken = default) =>
        _messaging is null ? _sender.SendAsync(message, cancellationToken) : throw new InvalidOperationException(Messaging.ClientMessaging.RawSendRefusal);

    /// <summary>Queues a text message.</summary>
    /// <inheritdoc cref="SendAsync(Message, CancellationToken)"/>
    public ValueTask SendAsync(string text, CancellationToken cancellationToken = default) =>
        SendAsync(Message.Text(text), cancellationToken);

    /// <summary>Queues a message that is sent only if a connection takes it within <paramref name="timeToLive"/>: a
    /// message that waits longer in the client's queue (disconnected, or behind others) is never sent, is counted in
    /// <see cref="ExpiredOutgoing"/>, and its task fails with <see cref="MessageExpiredException"/> at once (on the
    /// client's clock, <see cref="ConnectionOptions.Scheduler"/>). Unlike the other overloads, the task completes when
    /// the message is handed to a connection, not when it is queued: the caller learns whether it left.</summary>
    /// <param name="message">The message.</param>
    /// <param name="timeToLive">How long it may wait in the client's queue; positive.</param>
    /// <param name="cancellationToken">Cancels the wait for room in the queue (not the wait for a connection).</param>
    /// <returns>Completes when the message is handed to a connection.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="timeToLive"/> is zero or negative.</exception>
    /// <exception cref="MessageExpiredException">In the task: it expired before a connection took it.</exception>
    /// <exception cref="InvalidOperationException">In the task: the queue was full under <see cref="SendQueueOverflow.Fail"/>,
    /// or the message was dropped under <see cref="SendQueueOverflow.DropOldest"/>. Thrown: <see cref="WebSocketClientOptions.Messaging"/> is set.</exception>
    /// <exception cref="ObjectDisposedException">In the task: the client was disposed before it was sent.</exception>
    public ValueTask SendAsync(Message message, TimeSpan timeToLive, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(timeToLive, TimeSpan.Zero);
        return _messaging is null ? _sender.SendAsync(message, timeToLive, cancellationToken) : throw new InvalidOperationException(Messaging.ClientMessaging.RawSendRefusal);
    }

    /// <summary>Queues a binary message. The bytes are not copied: do not change them until they are sent.</summary>
    /// <inheritdoc cref="SendAsync(Message, CancellationToken)"/>
    public ValueTask SendAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default) =>
        SendAsync(Message.Binary(data), cancellationToken);

    /// <summary>A topic of the messaging protocol: its publications, recovered across reconnects with no gap nor
    /// duplicate (see <see cref="ClientTopic"/>); the same instance for the same name. Subscribing happens on its first
    /// observer, not here.</summary>
    /// <param name="name">The topic's name, 1 to 256 UTF-8 bytes.</param>
    /// <returns>The topic.</returns>
    /// <exception cref="ArgumentException">The name is empty or longer than 256 UTF-8 bytes.</exception>
    /// <exception cref="InvalidOperationException"><see cref="WebSocketClientOptions.Messaging"/> is not set.</exception>
    public ClientTopic Topic(string name) => RequireMessaging().Topic(name);

    /// <summary>Publishes to a topic of the messaging protocol; completes when the server acknowledged it
    /// (<c>puback</c>) with the publication's position. Publishes are sent in call order (those made while disconnected
    /// wait for the next connection, within <see cref="MessagingClientOptions.RequestTimeout"/>), so one client's
    /// publications to a topic get their offsets in that order.</summary>
    /// <param name="topic">The topic's name, 1 to 256 UTF-8 bytes.</param>
    /// <param name="message">The publication: text or binary, delivered as it is.</param>
    /// <param name="cancellationToken">Stops waiting for the acknowledgment (the publication may still be made).</param>
    /// <returns>The publication's position (its offset and epoch).</returns>
    /// <exception cref="ArgumentException">The topic name is empty or longer than 256 UTF-8 bytes.</exception>
    /// <exception cref="InvalidOperationException"><see cref="WebSocketClientOptions.Messaging"/> is not set.</exception>
    /// <exception cref="RequestFailedException">In the task: the server refused it (<see cref="MessagingErrorCodes.Forbidden"/>…),
    /// no acknowledgment came in time (<see cref="MessagingErrorCodes.Timeout"/>), or
    /// <see cref="MessagingClientOptions.MaxPendingRequests"/> are pending (<see cref="MessagingErrorCodes.Limit"/>).</exception>
    /// <exception cref="ConnectionClosedException">In the task: the connection was lost after it was sent; it may or
    /// may not have been published.</exception>
    /// <exception cref="ObjectDisposedException">In the task: the client was disposed first.</exception>
    public ValueTask<TopicPosition> PublishAsync(string topic, Message message, CancellationToken cancellationToken = default) =>
        RequireMessaging().PublishAsync(topic, message, cancellationToken);

    /// <summary>Sends a request to the server (routed by <paramref name="name"/> to one of its handlers) and completes with
    /// its reply. Requests are sent in call order; those made while disconnected wait for the next connection, within
    /// <see cref="MessagingClientOptions.RequestTimeout"/>.</summary>
    /// <param name="request">The request's payload, text or binary.</param>
    /// <param name="name">The route (the server's handler); null or empty for requests without a name.</param>
    /// <param name="cancellationToken">Stops waiting for the reply.</param>
    /// <returns>The reply's payload.</returns>
    /// <exception cref="InvalidOperationException"><see cref="WebSocketClientOptions.Messaging"/> is not set.</exception>
    /// <exception cref="RequestFailedException">In the task: the server answered <c>err</c> (its code and reason:
    /// <see cref="MessagingErrorCodes.NotFound"/>, <see cref="MessagingErrorCodes.Internal"/>, a handler's own…), no reply
    /// came in time (<see cref="MessagingErrorCodes.Timeout"/>), or too many are pending (<see cref="MessagingErrorCodes.Limit"/>).</exception>
    /// <exception cref="ConnectionClosedException">In the task: the connection was lost after it was sent; it may or
    /// may not have been processed.</exception>
    /// <exception cref="ObjectDisposedException">In the task: the client was disposed first.</exception>
    public ValueTask<Message> RequestAsync(Message request, string? name = null, CancellationToken cancellationToken = default) =>
        RequireMessaging().RequestAsync(request, name, cancellationToken);

    /// <summary>Answers the server's requests named <paramref name="name"/> (client results): the handler's reply goes
    /// back as <c>res</c>; a <see cref="RequestFailedException"/> it throws goes back as <c>err</c> with its code and
    /// reason, any other exception as <see cref="MessagingErrorCodes.Internal"/> (logged, no details sent). A request
    /// with no handler is answered <see cref="MessagingErrorCodes.NotFound"/>. Handlers run off the read loop, several
    /// at once; their token is cancelled when the connection the request came on is lost.</summary>
    /// <param name="name">The route; empty for requests without a name.</param>
    /// <param name="handler">Computes the reply.</param>
    /// <returns>Disposing it removes the handler.</returns>
    /// <exception cref="InvalidOperationException"><see cref="WebSocketClientOptions.Messaging"/> is not set, or a handler
    /// is mapped already for <paramref name="name"/>.</exception>
    public IDisposable MapRequest(string name, Func<Message, CancellationToken, ValueTask<Message>> handler) =>
        RequireMessaging().MapRequest(name, handler);

    /// <summary>Stops (closing with 1000), completes every stream and releases everything. Never throws.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        // First, so a pump waiting for room in Incoming (nobody consuming) lets go.
        await _disposing.CancelAsync().ConfigureAwait(false);
        await EndRunAsync(emitClosed: _started).ConfigureAwait(false);
        await _sender.DisposeAsync().ConfigureAwait(false);
        _messaging?.Dispose();
        _inbound.TryComplete();
        _inboundEnd.TrySetResult();
        _opened.TrySetException(new ObjectDisposedException(nameof(WebSocketClient)));
        _ = _opened.Task.Exception;
        _states.Set(ClientState.Disposed, final: true);
        lock (_eventGate)
        {
            _events.Complete();
        }

        _connections.Complete();
        _pings.Complete();
        _pongs.Complete();
        _rtt.Complete();
        _disposing.Dispose();
    }

    /// <summary>"WebSocketClient Open ws://host/path".</summary>
    public override string ToString() => $"WebSocketClient {State} {Url}";

    /// <summary>The resumable-session layer: made from <see cref="WebSocketClientOptions.Resume"/>, replaceable by tests
    /// before <see cref="StartAsync"/>.</summary>
    internal IClientSessionLayer? SessionLayer { get; set; }

    /// <summary>Opens one connection; tests replace it to connect over in-memory pipes.</summary>
    internal Func<Uri, WebSocketClientOptions, CancellationToken, ValueTask<WebSocketConnection>> Connector { get; set; } = ClientConnector.ConnectAsync;

    private Task BeginRun()
    {
        lock (_gate)
        {
            if (_opened.Task.IsCompleted)
            {
                _opened = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            }

            _run = CancellationTokenSource.CreateLinkedTokenSource(_disposing.Token);
            _running = RunAsync(_opened, _run.Token);
            return _opened.Task;
        }
    }

    private async Task EndRunAsync(bool emitClosed, CloseStatus? status = null)
    {
        var close = status ?? new CloseStatus(CloseCode.NormalClosure);
        CancellationTokenSource? run;
        Task running;
        lock (_gate)
        {
            run = _run;
            running = _running;
            _run = null;
        }

        if (run is null)
        {
            return;
        }

        await run.CancelAsync().ConfigureAwait(false);
        if (Volatile.Read(ref _current) is { } connection)
        {
            await Task.WhenAny(connection.CloseAsync(close.Code, close.Reason, CancellationToken.None)).ConfigureAwait(false);
        }

        await running.ConfigureAwait(false);
        run.Dispose();
        if (emitClosed && State != ClientState.Closed)
        {
            SetState(ClientState.Closed);
            Publish(new ClientClosed(Now, close, null));
        }
    }

    private DateTimeOffset Now => _clock.GetUtcNow();

    private Messaging.ClientMessaging RequireMessaging() => _messaging ?? throw new InvalidOperationException(
        "Topics, publishing and requests are the messaging protocol's: set WebSocketClientOptions.Messaging (and use a server with messaging on).");

    /// <summary>One run: connect (retrying), live through the connection, reconnect after each loss, until stopped or
    /// the pipeline gives up.</summary>
    private async Task RunAsync(TaskCompletionSource opened, CancellationToken stop)
    {
        await Task.Yield();
        Exception? loss = null;
        var lossWasClean = false;
        try
        {
            while (true)
            {
                WebSocketConnection connection;
                int attempt;
                if (loss is null)
                {
                    SetState(ClientState.Connecting);
                }

                if (loss is Resumption.SessionEndedException ended)
                {
                    // The server ended the resumable session while we were away: final, whatever the reconnect policy.
                    Finish(opened, ended.Closure, clean: ended.Normal, givenUp: false);
                    return;
                }

                try
                {
                    (connection, attempt) = await _reconnector.RunAsync(loss, AttemptAsync, stop).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (stop.IsCancellationRequested)
                {
                    return;
                }
#pragma warning disable CA1031 // Whatever ended the attempts is reported as the client's end, never thrown into a loop.
                catch (Exception error)
#pragma warning restore CA1031
                {
                    Finish(opened, error, clean: lossWasClean && ReferenceEquals(error, loss), givenUp: !ReferenceEquals(error, loss) && _reconnect.ShouldReconnect(error));
                    return;
                }

                (loss, lossWasClean) = await LiveAsync(connection, attempt, reconnected: loss is not null, opened, stop).ConfigureAwait(false);
                if (stop.IsCancellationRequested)
                {
                    return;
                }
            }
        }
        finally
        {
            opened.TrySetCanceled(CancellationToken.None);
        }
    }

    private async ValueTask<WebSocketConnection> AttemptAsync(int attempt, Exception? lastError, CancellationToken cancellationToken)
    {
        var url = Url;
        Volatile.Write(ref _attempt, attempt);
        var options = AttemptOptions();
        if (_reconnect.BeforeConnect is { } beforeConnect)
        {
            // Asked first, so the ClientConnecting event names the URL this attempt really goes to.
            options = options.ValidatedCopy();
            var prepared = new ConnectionAttempt(attempt, url, options.Headers, lastError);
            try
            {
                await beforeConnect(prepared, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception error) when (error is not OperationCanceledException && attempt > 0)
            {
                Diagnostics.RxSocketsMetrics.ReconnectAttempt(url, succeeded: false);
                Publish(new ClientReconnectFailed(Now, attempt, error));
                throw;
            }

            url = prepared.Url;
        }

        Publish(new ClientConnecting(Now, url, attempt));
        using var span = attempt > 0 ? Diagnostics.RxSocketsActivity.StartReconnect(url, attempt) : null;   // the connect span's parent
        try
        {
            var connection = await Connector(url, options, cancellationToken).ConfigureAwait(false);
            if (attempt > 0)
            {
                Diagnostics.RxSocketsMetrics.ReconnectAttempt(url, succeeded: true);
                span?.SetTag(Diagnostics.RxSocketsMetrics.OutcomeTag, "success");
            }

            return connection;
        }
        catch (Exception error) when (error is not OperationCanceledException && attempt > 0)
        {
            Diagnostics.RxSocketsMetrics.ReconnectAttempt(url, succeeded: false);
            Diagnostics.RxSocketsActivity.Fail(span, error);
            Publish(new ClientReconnectFailed(Now, attempt, error));
            throw;
        }
    }

    /// <summary>The options of one attempt: the session layer's subprotocols are offered before the user's.</summary>
    private WebSocketClientOptions AttemptOptions()
    {
        if (SessionLayer is not { SubProtocols.Count: > 0 } layer)
        {
            return _options;
        }

        var options = _options.ValidatedCopy();
        for (var i = layer.SubProtocols.Count - 1; i >= 0; i--)
        {
            options.SubProtocols.Insert(0, layer.SubProtocols[i]);
        }

        return options;
    }

    /// <summary>Lives through one connection: attach, announce, hook, flush, then wait for its end.</summary>
    /// <returns>Why it ended, and whether that was a clean close handshake.</returns>
    private async Task<(Exception Loss, bool Clean)> LiveAsync(
        WebSocketConnection connection, int attempt, bool reconnected, TaskCompletionSource opened, CancellationToken stop)
    {
        Interlocked.Exchange(ref _current, connection);
        if (Volatile.Read(ref _paused) == 1)
        {
            connection.Pause();
        }

        var layer = SessionLayer;
        var pump = Task.CompletedTask;
        Exception? setupError = null;
        using var forwarding = new System.Reactive.Disposables.CompositeDisposable(
            connection.Pings.Subscribe(_pings.Next),
            connection.Pongs.Subscribe(_pongs.Next),
            connection.Rtt.Subscribe(_rtt.Next));
        try
        {
            stop.ThrowIfCancellationRequested();
            var resumed = layer is not null && await layer.AttachAsync(connection, stop).ConfigureAwait(false);
            pump = PumpAsync(connection, layer);
            SetState(ClientState.Open);
            Diagnostics.ClientLog.Connected(_logger, connection.Url, attempt, resumed);
            Publish(reconnected ? new ClientReconnected(Now, connection, attempt, resumed) : new ClientOpened(Now, connection));
            _connections.Next(connection);
            if (OnConnected is { } hook)
            {
                await hook(connection, stop).ConfigureAwait(false);
            }

            _sender.Attach(connection);
            opened.TrySetResult();
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            await Task.WhenAny(connection.CloseAsync(CloseCode.NormalClosure, "", CancellationToken.None)).ConfigureAwait(false);
        }
#pragma warning disable CA1031 // A failed attach or hook fails this connection; the loss is then handled like any other.
        catch (Exception error)
#pragma warning restore CA1031
        {
            setupError = error;
            connection.Abort();
        }

        Exception loss;
        var clean = false;
        try
        {
            await connection.Completion.ConfigureAwait(false);
            clean = true;
            var status = connection.CloseStatus;
            loss = new ConnectionClosedException($"The server closed the connection: {(int?)status?.Code} {status?.Reason}".TrimEnd(), connection.Driver.SentClose, status);
        }
        catch (ConnectionClosedException error)
        {
            loss = error;
        }

        _sender.Detach(connection);
        Volatile.Write(ref _current, null);
        await pump.ConfigureAwait(false);
        layer?.Detach();
        await connection.DisposeAsync().ConfigureAwait(false);
        if (setupError is not null)
        {
            return (setupError, false);
        }

        if (!stop.IsCancellationRequested)
        {
            var closed = (ConnectionClosedException)loss;
            if (closed.InnerException is KeepAliveTimeoutException)
            {
                Publish(new ClientHeartbeatTimeout(Now, connection));
            }

            Diagnostics.ClientLog.Disconnected(_logger, connection.Url, closed.Code, closed.Message);
            Publish(new ClientDisconnected(Now, closed));
        }

        return (loss, clean);
    }

    /// <summary>Moves one connection's messages into <see cref="Incoming"/>, through the session layer if any.</summary>
    private async Task PumpAsync(WebSocketConnection connection, IClientSessionLayer? layer)
    {
        await Task.Yield();
        try
        {
            await foreach (var wire in connection.ReadAllAsync(CancellationToken.None).ConfigureAwait(false))
            {
                var message = wire;
                if (layer is not null && await layer.ConsumeIncomingAsync(connection, wire, _disposing.Token).ConfigureAwait(false))
                {
                    continue;
                }

                if (layer is null || layer.TryUnwrapIncoming(wire, out message))
                {
                    await _inbound.WriteAsync(message, _disposing.Token).ConfigureAwait(false);
                }
            }
        }
        catch (ConnectionClosedException)
        {
            // The loss is reported from Completion.
        }
        catch (OperationCanceledException) when (_disposing.IsCancellationRequested)
        {
            // Disposed: nobody will read what is left.
        }
#pragma warning disable CA1031 // A session layer that throws fails this connection, never the client's loops.
        catch (Exception error)
#pragma warning restore CA1031
        {
            Diagnostics.ClientLog.ObserverFaulted(_logger, error);
            connection.Abort();
        }
    }

    /// <summary>The run is over for good: gave up, or a loss not worth a reconnect.</summary>
    private void Finish(TaskCompletionSource opened, Exception error, bool clean, bool givenUp)
    {
        if (givenUp)
        {
            Diagnostics.ClientLog.GaveUp(_logger, Url, Volatile.Read(ref _attempt), error);
            Diagnostics.RxSocketsMetrics.ReconnectGaveUp(Url);
            Publish(new ClientGaveUp(Now, Volatile.Read(ref _attempt), error));
        }

        SetState(ClientState.Closed);
        var closed = error as ConnectionClosedException;
        Publish(new ClientClosed(Now, closed?.Received ?? closed?.Sent, clean ? null : error));
        if (opened.TrySetException(error))
        {
            // Observed here: a client started without awaiting StartAsync must not raise UnobservedTaskException.
            _ = opened.Task.Exception;
        }
    }

    private void SetState(ClientState state) => _states.Set(state);

    private void Publish(ClientEvent clientEvent)
    {
        lock (_eventGate)
        {
            _events.Next(clientEvent);
        }
    }

    private void OnReconnecting(int attempt, TimeSpan delay, Exception reason)
    {
        Diagnostics.ClientLog.Reconnecting(_logger, Url, attempt, delay, reason.Message);
        SetState(ClientState.Reconnecting);
        Publish(new ClientReconnecting(Now, attempt, delay, reason));
    }
}
