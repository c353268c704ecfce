using Microsoft.Extensions.Logging;
using RxSockets.Client;
using RxSockets.Connection;
using RxSockets.Reactive;
using RxSockets.Transport;
using RxSockets.Transport.Connect;

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
public sealed partial class WebSocketClient : IWebSocketChannel
{
    // This file: construction and the run loop (connect with retries, live, reconnect). The other parts, in Client/:
    // Lifecycle (start, stop, close, dispose), Connection (one connection's life), Events, Receiving, Sending, Messaging.
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
            SessionLayer = Resumption.ResumeLayer.Create(_options.Resume, _options.Scheduler);
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

    /// <summary>The resumable-session layer: made from <see cref="WebSocketClientOptions.Resume"/>, replaceable by tests
    /// before <see cref="StartAsync"/>.</summary>
    internal IClientSessionLayer? SessionLayer { get; set; }

    /// <summary>Opens one connection; tests replace it to connect over in-memory pipes.</summary>
    internal Func<Uri, WebSocketClientOptions, CancellationToken, ValueTask<WebSocketConnection>> Connector { get; set; } = WebSocketConnection.ConnectValidatedAsync;

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
}
