using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using RxSockets.Messaging;
using RxSockets.Protocol.Handshake;
using RxSockets.Reactive;
using RxSockets.Resumption;
using RxSockets.Scaling;
using RxSockets.Server;
using RxSockets.Topics;
using RxSockets.Transport;
using RxSockets.Transport.Accept;
using RxSockets.Transport.Sockets;

namespace RxSockets;

/// <summary>
/// An embedded WebSocket server: listens on a host and port, runs the opening handshake (path, origin, subprotocol,
/// <see cref="WebSocketServerOptions.VerifyClient"/>), tracks its clients, broadcasts, and shuts down gracefully.
/// </summary>
/// <remarks>
/// <para><b>Thread safety.</b> Every member may be called from any thread.</para>
/// <para><b>Detached (noServer) mode.</b> <see cref="CreateDetached"/> makes a server that does not listen: a host
/// that reads HTTP itself (ASP.NET Core, a custom listener) hands each upgrade request in with
/// <see cref="AcceptAsync(HandshakeRequest, IDuplexPipe, CancellationToken)"/>, or with <see cref="NegotiateAsync"/>
/// and <see cref="Accept"/> when it writes the 101 answer itself. Connections, topics, limits and broadcasts work
/// the same.</para>
/// <para><b>New connections.</b> Accepted connections wait in a queue until consumed through
/// <see cref="Connections"/> (any number of subscribers) or <see cref="AcceptAllAsync"/> (one enumerator), not both;
/// a connection accepted before anyone subscribed is not lost. Each connection's own messages wait, in turn, until
/// that connection is consumed.</para>
/// </remarks>
public sealed class WebSocketServer : IAsyncDisposable, IHandshakeOwner
{
    private readonly WebSocketServerOptions _options;
    private readonly Listener? _listener;
    private readonly ServerTls? _tls;
    private readonly ServerAcceptor _acceptor;
    private readonly ILogger _logger;
    private readonly ConnectionRegistry _registry = new();
    private readonly ResumeHost _resume;
    private readonly MessagingHost _messaging;
    private readonly Admission _admission;
    private readonly BroadcastGate _gate;
    private readonly TopicRegistry _topics;
    private readonly ClusterNode _node;
    private readonly UpgradeNegotiator _negotiator;
    private readonly HandshakeFailureFeed _failures;
    private readonly Channel<WebSocketConnection> _accepted = Channel.CreateUnbounded<WebSocketConnection>(new UnboundedChannelOptions { SingleReader = true });
    private readonly ChannelObservable<WebSocketConnection> _connections;
    private readonly RequestUrl _detachedUrls = new(secure: false);
    private readonly TaskCompletionSource _handshakesDone = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _handshakes = 1;   // the handshakes under way, plus one for the accept loop until the server stops
    private readonly CancellationTokenSource _stopping = new();
    private readonly TaskCompletionSource _stopped = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Task _acceptLoop = Task.CompletedTask;
    private int _stopRequested;

    private WebSocketServer(WebSocketServerOptions options, Listener? listener, ServerTls? tls, ILogger logger)
    {
        _options = options;
        _listener = listener;
        _tls = tls;
        _logger = logger;
        _admission = new Admission(_registry, options);
        _failures = new HandshakeFailureFeed(error => Diagnostics.Log.ObserverFaulted(logger, 0, error));
        _acceptor = new ServerAcceptor(options, _admission, _logger, tls, _failures);
        _resume = new ResumeHost(options, _logger);
        _messaging = new MessagingHost(options, _logger, error => Diagnostics.Log.ObserverFaulted(_logger, 0, error));
        _gate = new BroadcastGate(options);
        _node = new ClusterNode(options.Backplane ?? new InProcessBackplane(), _registry, _gate, options, Broadcastable, logger);
        _topics = new TopicRegistry(_node, options.ConfigureTopic, error => Diagnostics.Log.ObserverFaulted(_logger, 0, error));
        _node.Attach(_topics);
        if (_node.Backplane is InProcessBackplane)
        {
            // Synchronous (nothing to reach): a completed task, whose failure (a backplane already in use) is thrown here.
            _node.StartAsync(CancellationToken.None).GetAwaiter().GetResult();
        }
        _negotiator = new UpgradeNegotiator(options, _admission, _logger, _failures);
        _connections = new ChannelObservable<WebSocketConnection>(_accepted.Reader, _stopped.Task,
            error => Diagnostics.Log.ObserverFaulted(_logger, 0, error), nameof(Connections));
    }

    /// <summary>The address and port the server listens on (the real port when 0 was asked for).</summary>
    /// <exception cref="InvalidOperationException">The server is detached: its host listens.</exception>
    public IPEndPoint LocalEndPoint => _listener?.LocalEndPoint
        ?? throw new InvalidOperationException("A detached server does not listen: its host accepts the connections.");

    /// <summary>The URL clients connect to, such as <c>ws://127.0.0.1:8080/chat</c>, or <c>wss://…</c> when the server
    /// has a certificate.</summary>
    public Uri Url => new($"{(_tls is null ? "ws" : "wss")}://{FormatHost(LocalEndPoint.Address)}:{LocalEndPoint.Port}{_options.Path}");

    /// <summary>New connections, each once its handshake succeeded. Hot; connections wait until the first
    /// subscription. Completes when the server stops.</summary>
    public IObservable<WebSocketConnection> Connections => _connections;

    /// <summary>Every opening handshake refused (the HTTP status and reason answered: a wrong path or origin, a full
    /// server, <see cref="WebSocketServerOptions.VerifyClient"/>'s refusal, a timeout) or failed (TLS, I/O, a hook
    /// that threw), with the client's address and the path asked for: what the server logs, as values to count,
    /// alert on or ban by. Hot: a subscriber sees the failures after it subscribed, one at a time, on the thread of
    /// the handshake (use <c>ObserveOn</c> for slow work); nothing is made while nobody subscribes. On a detached
    /// server (ASP.NET Core) it reports <see cref="NegotiateAsync"/>'s refusals. Completes when the server stops.</summary>
    public IObservable<HandshakeFailure> HandshakeFailures => _failures.Observable;

    /// <summary>New resumable sessions (when <see cref="WebSocketServerOptions.Resume"/> is set), each once its first
    /// connection opened; a client that resumes continues its existing session and does not appear again. Connections
    /// that negotiated resumption appear here, wrapped, instead of in <see cref="Connections"/>. Hot; sessions wait until
    /// the first subscription. Completes when the server stops.</summary>
    public IObservable<ResumableSession> Sessions => _resume.Sessions;

    /// <summary>Connections that speak the messaging protocol (<see cref="WebSocketServerOptions.Messaging"/>), each once
    /// open: they are served by the protocol (topics, publishing, the request handlers), not published on
    /// <see cref="Connections"/>; ask them with <see cref="RequestAsync"/>. Hot: connections opened before a subscription
    /// are not replayed. Completes when the server stops.</summary>
    public IObservable<WebSocketConnection> MessagingClients => _messaging.Clients;

    /// <summary>The connections open now.</summary>
    public IReadOnlyCollection<WebSocketConnection> Clients => _registry.Snapshot;

    /// <summary>The number of connections open now.</summary>
    public int ClientCount => _registry.Count;

    /// <summary>The number of accepted sockets whose opening handshake request (or TLS handshake) is still arriving,
    /// bounded by <see cref="WebSocketServerOptions.MaxPendingHandshakes"/>; they are not in <see cref="ClientCount"/>
    /// and do not count toward <see cref="WebSocketServerOptions.MaxConnections"/>. Always 0 on a detached server (its
    /// host reads the requests).</summary>
    public int PendingHandshakeCount => _acceptor.PendingCount;

    /// <summary>The topics (rooms) created so far with <see cref="Topic"/>.</summary>
    public IReadOnlyCollection<WebSocketTopic> Topics => _topics.Snapshot;

    /// <summary>Messages that broadcasts and topic publishes dropped for slow connections, by the
    /// <see cref="WebSocketServerOptions.BroadcastOverflow"/> policy.</summary>
    public long DroppedBroadcasts => _gate.Dropped;

    /// <summary>This node's id in its cluster (<see cref="IBackplane.NodeId"/>): with <see cref="Topics"/> and
    /// <see cref="WebSocketConnection.Id"/> it names a connection anywhere (<see cref="ClusterMember"/>).</summary>
    public string NodeId => _node.NodeId;

    /// <summary>The number of clients on every node of the cluster (with the default in-process backplane,
    /// <see cref="ClientCount"/>); another node's count is as of its last heartbeat.</summary>
    /// <param name="cancellationToken">Cancels the query.</param>
    /// <exception cref="BackplaneUnavailableException">The backplane cannot be reached.</exception>
    public ValueTask<long> GetClusterClientCountAsync(CancellationToken cancellationToken = default) =>
        _node.Backplane.GetClientCountAsync(cancellationToken);

    /// <summary>Whether this node's link to its cluster is up, for health checks: the current value, then every change;
    /// completes when the server stops. False before the backplane is connected and while a cluster backplane is lost
    /// (publications of other nodes may then be missed: members are told, see <see cref="WebSocketTopic.Gaps"/>); the
    /// default in-process backplane is always up.</summary>
    public IObservable<bool> BackplaneConnected => _node.Connectivity;

    /// <summary>Connects a detached server (<see cref="CreateDetached"/>) to its
    /// <see cref="WebSocketServerOptions.Backplane"/>; <see cref="StartAsync(WebSocketServerOptions, CancellationToken)"/>
    /// does it by itself. Idempotent. The ASP.NET Core hosting calls it when the application starts.</summary>
    /// <param name="cancellationToken">Cancels the connection attempt.</param>
    /// <exception cref="BackplaneUnavailableException">The backplane cannot be reached.</exception>
    public async ValueTask ConnectBackplaneAsync(CancellationToken cancellationToken = default) =>
        await _node.StartAsync(cancellationToken).ConfigureAwait(false);

    /// <summary>Completes when the server has stopped.</summary>
    public Task Completion => _stopped.Task;

    /// <summary>Starts listening.</summary>
    /// <param name="options">Where to listen and whom to accept; validated and copied.</param>
    /// <param name="cancellationToken">Cancels the start.</param>
    /// <returns>The running server.</returns>
    /// <exception cref="ArgumentException">An option is invalid, or the <see cref="WebSocketServerOptions.CertificatePath"/>
    /// file cannot be loaded; the message names the property.</exception>
    /// <exception cref="SocketException">The address cannot be bound (for example, the port is in use).</exception>
    public static async ValueTask<WebSocketServer> StartAsync(WebSocketServerOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        var validated = options.ValidatedCopy();
        var logger = validated.LoggerFactory.CreateLogger("RxSockets.Server");
        var tls = ServerTls.Create(validated, logger);
        Listener listener;
        try
        {
            // TLS runs on a .NET stream over the socket; plain TCP on the backend chosen for it.
            var backend = tls is null ? Transport.Epoll.EpollTransport.PlainBackend : Transport.Sockets.DotNetSocketBackend.Instance;
            listener = await Listener.StartAsync(validated.Host, validated.Port, validated.Backlog, backend, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            tls?.Dispose();
            throw;
        }

        var server = new WebSocketServer(validated, listener, tls, logger);
        try
        {
            await server.ConnectBackplaneAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            listener.Dispose();
            tls?.Dispose();
            await server._node.Backplane.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        Diagnostics.Log.Listening(server._logger, listener.LocalEndPoint);
        server._acceptLoop = server.AcceptLoopAsync(listener);
        return server;
    }

    /// <summary>Creates a server that does not listen (node ws's <c>noServer</c> mode): its host reads each upgrade
    /// request and hands it in with <see cref="AcceptAsync(HandshakeRequest, IDuplexPipe, CancellationToken)"/> or
    /// <see cref="NegotiateAsync"/> and <see cref="Accept"/>. The listening and TLS options (<c>Host</c>, <c>Port</c>,
    /// <c>Backlog</c>, certificates) are not used: the host owns the socket.</summary>
    /// <param name="options">Whom to accept and the connections' options; validated and copied.</param>
    /// <returns>The server, ready to accept.</returns>
    /// <exception cref="ArgumentException">An option is invalid; the message names the property.</exception>
    public static WebSocketServer CreateDetached(WebSocketServerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var validated = options.ValidatedCopy();
        return new WebSocketServer(validated, null, null, validated.LoggerFactory.CreateLogger("RxSockets.Server"));
    }

    /// <summary>Gets the topic (room) named <paramref name="name"/>, creating it on first use.</summary>
    /// <param name="name">The name, compared ordinally.</param>
    /// <returns>The topic; the same instance for the same name, until <see cref="RemoveTopic"/>.</returns>
    public WebSocketTopic Topic(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return _topics.GetOrAdd(name);
    }

    /// <summary>Forgets an empty topic (clients may make up topic names; this bounds the memory they take).</summary>
    /// <param name="name">The topic's name.</param>
    /// <returns>True when the topic existed without members and was removed.</returns>
    public bool RemoveTopic(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return _topics.TryRemoveEmpty(name);
    }

    /// <summary>Checks an upgrade request the host read (protocol rules, path, origin, the connection limits and
    /// <see cref="WebSocketServerOptions.VerifyClient"/>), for a host that writes the answer itself: the refusal, or
    /// the 101's headers, after which the host calls <see cref="Accept"/> with the upgraded stream.</summary>
    /// <param name="request">The request, from <see cref="HandshakeRequest.Create"/>.</param>
    /// <param name="cancellationToken">Cancels the verification hook.</param>
    /// <returns>The answer; dispose it if the upgrade cannot be completed.</returns>
    public async ValueTask<WebSocketUpgrade> NegotiateAsync(HandshakeRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        return await _negotiator.NegotiateAsync(request, _stopping.IsCancellationRequested, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Runs the WebSocket protocol over a transport the host has upgraded, after it sent the 101 answer
    /// with <see cref="WebSocketUpgrade.ResponseHeaders"/>. The connection joins <see cref="Clients"/> and is
    /// published on <see cref="Connections"/>.</summary>
    /// <param name="upgrade">An accepted answer of <see cref="NegotiateAsync"/>, used once.</param>
    /// <param name="transport">The upgraded byte stream; the connection completes it when it ends.</param>
    /// <returns>The open connection.</returns>
    /// <exception cref="InvalidOperationException">The upgrade was refused, disposed or already used.</exception>
    public WebSocketConnection Accept(WebSocketUpgrade upgrade, IDuplexPipe transport)
    {
        ArgumentNullException.ThrowIfNull(upgrade);
        ArgumentNullException.ThrowIfNull(transport);
        if (!upgrade.TryConsume())
        {
            throw new InvalidOperationException("The upgrade was refused, disposed or already accepted.");
        }

        var request = upgrade.Request!;   // accepted upgrades carry their request
        var info = new ConnectionInfo(_detachedUrls.For(request), upgrade.SubProtocol, upgrade.Deflate?.Extension, request, request.RemoteEndPoint, upgrade.Deflate);
        var connection = new WebSocketConnection(new PipeTransport(transport), ConnectionRole.Server, _options, info);
        Register(connection, upgrade.Address);
        if (_stopping.IsCancellationRequested)
        {
            // Stopped while the host was upgrading: the shutdown's snapshot may have missed this one.
            _ = CloseGoingAwayAsync(connection);
        }

        return connection;
    }

    /// <summary>Accepts an upgrade request the host read, writing the answer itself onto <paramref name="transport"/>
    /// (node ws's <c>handleUpgrade</c>): the 101 and then the WebSocket, or the refusal, after which the transport is
    /// completed.</summary>
    /// <param name="request">The request, from <see cref="HandshakeRequest.Create"/>.</param>
    /// <param name="transport">The raw byte stream the request arrived on, positioned after the request head.</param>
    /// <param name="cancellationToken">Cancels the handshake.</param>
    /// <returns>The open connection, or null when the request was refused.</returns>
    public async ValueTask<WebSocketConnection?> AcceptAsync(HandshakeRequest request, IDuplexPipe transport, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(transport);
        using var upgrade = await NegotiateAsync(request, cancellationToken).ConfigureAwait(false);
        if (upgrade.Rejection is { } rejection)
        {
            Protocol.Handshake.ServerHandshake.WriteRejection(transport.Output, rejection);
            await transport.Output.FlushAsync(cancellationToken).ConfigureAwait(false);
            await transport.Output.CompleteAsync().ConfigureAwait(false);
            await transport.Input.CompleteAsync().ConfigureAwait(false);
            return null;
        }

        var key = upgrade.ResponseHeaders["Sec-WebSocket-Accept"];
        Protocol.Handshake.ServerHandshake.WriteAccept(transport.Output, key, upgrade.SubProtocol, upgrade.Deflate?.Extension, upgrade.ExtraHeaders);
        await transport.Output.FlushAsync(cancellationToken).ConfigureAwait(false);
        return Accept(upgrade, transport);
    }

    /// <summary>Reads new connections with <c>await foreach</c>; ends when the server stops.</summary>
    /// <param name="cancellationToken">Stops the enumeration (not the server).</param>
    /// <exception cref="InvalidOperationException">Connections are already consumed through <see cref="Connections"/>.</exception>
    public IAsyncEnumerable<WebSocketConnection> AcceptAllAsync(CancellationToken cancellationToken = default) =>
        _connections.ReadAllAsync(cancellationToken);

    /// <summary>Reads new resumable sessions with <c>await foreach</c>; ends when the server stops.</summary>
    /// <param name="cancellationToken">Stops the enumeration (not the server).</param>
    /// <exception cref="InvalidOperationException">Sessions are already consumed through <see cref="Sessions"/>.</exception>
    public IAsyncEnumerable<ResumableSession> AcceptAllSessionsAsync(CancellationToken cancellationToken = default) =>
        _resume.Sessions.ReadAllAsync(cancellationToken);

    /// <summary>Sends a request to a messaging-protocol client (one of <see cref="MessagingClients"/>) and waits for its
    /// reply, as SignalR's client results: the client answers with the handler it registered for
    /// <paramref name="name"/> (<c>WebSocketClient.MapRequest</c>).</summary>
    /// <param name="client">The client's connection.</param>
    /// <param name="request">The request's payload.</param>
    /// <param name="name">The request's name (the client's route); null for none.</param>
    /// <param name="cancellationToken">Stops waiting (the client may still answer; its reply is dropped).</param>
    /// <returns>The client's reply.</returns>
    /// <exception cref="InvalidOperationException">The connection does not speak the messaging protocol, or closed.</exception>
    /// <exception cref="RequestFailedException">The client answered an error, had no handler
    /// (<see cref="MessagingErrorCodes.NotFound"/>), did not answer within
    /// <see cref="MessagingServerOptions.RequestTimeout"/> (<see cref="MessagingErrorCodes.Timeout"/>), or
    /// <see cref="MessagingServerOptions.MaxPendingRequests"/> requests are pending on it
    /// (<see cref="MessagingErrorCodes.Limit"/>).</exception>
    /// <exception cref="ConnectionClosedException">The connection closed before the reply.</exception>
    public ValueTask<Message> RequestAsync(WebSocketConnection client, Message request, string? name = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(client);
        return _messaging.RequestAsync(client, request, name, cancellationToken);
    }

    /// <summary>Sends a message to every open connection that passes <paramref name="filter"/>. The message is framed
    /// once for all of them. Completes when it is queued on every recipient, within each one's outbound budget
    /// (waiting for room, or dropping, as <see cref="WebSocketServerOptions.BroadcastOverflow"/> says); connections
    /// that close meanwhile are skipped.</summary>
    /// <remarks>With a cluster backplane, a broadcast without a filter reaches every node's clients. A delegate cannot
    /// travel to another node, so a broadcast with a <paramref name="filter"/> stays on this node: use a named filter
    /// (<see cref="BroadcastAsync(Message, WebSocketConnection?, string?, CancellationToken)"/>) across nodes.</remarks>
    /// <param name="message">The message.</param>
    /// <param name="filter">Which of this node's connections receive it; null for all, on every node.</param>
    /// <param name="cancellationToken">Cancels waiting for room in full queues.</param>
    /// <returns>The number of this node's connections the message was queued on.</returns>
    /// <exception cref="BackplaneUnavailableException">The broadcast was for every node and the backplane is
    /// unreachable: it reached only this node's connections.</exception>
    public async ValueTask<int> BroadcastAsync(Message message, Func<WebSocketConnection, bool>? filter = null, CancellationToken cancellationToken = default)
    {
        // A resumable session's connection carries numbered envelopes: send to the session instead.
        var targets = _options.Resume is null && _options.Messaging is null ? filter : connection => Broadcastable(connection) && (filter is null || filter(connection));
        var local = await _node.BroadcastLocallyAsync(message, targets, cancellationToken).ConfigureAwait(false);
        if (filter is null)
        {
            await ToOtherNodesAsync(new BackplaneMessage(message, NodeId), local, cancellationToken).ConfigureAwait(false);
        }

        return local;
    }

    /// <summary>Sends a message to every open connection of every node but <paramref name="except"/> (typically the
    /// sender), and only to those that pass the filter named <paramref name="filter"/> in
    /// <see cref="WebSocketServerOptions.BroadcastFilters"/>, which each node runs over its own connections. Framed
    /// once per node; completes when it is queued on this node's recipients (as
    /// <see cref="BroadcastAsync(Message, Func{WebSocketConnection, bool}?, CancellationToken)"/>) and handed to the
    /// backplane for the others, which deliver it in the order this node sent its broadcasts.</summary>
    /// <param name="message">The message.</param>
    /// <param name="except">A connection of this node not to send to; null for none.</param>
    /// <param name="filter">The name of a filter in <see cref="WebSocketServerOptions.BroadcastFilters"/>; null for
    /// every connection.</param>
    /// <param name="cancellationToken">Cancels waiting for room in full queues.</param>
    /// <returns>The number of this node's connections the message was queued on.</returns>
    /// <exception cref="ArgumentException">No filter of that name is registered on this node.</exception>
    /// <exception cref="BackplaneUnavailableException">The backplane is unreachable: the broadcast reached only this
    /// node's connections.</exception>
    public async ValueTask<int> BroadcastAsync(Message message, WebSocketConnection? except, string? filter = null, CancellationToken cancellationToken = default)
    {
        if (!_node.TryAudience(filter, except, out var audience))
        {
            throw new ArgumentException($"No broadcast filter named '{filter}' is registered in WebSocketServerOptions.BroadcastFilters.", nameof(filter));
        }

        var local = await _node.BroadcastLocallyAsync(message, audience, cancellationToken).ConfigureAwait(false);
        await ToOtherNodesAsync(new BackplaneMessage(message, NodeId, except?.Id, filter), local, cancellationToken).ConfigureAwait(false);
        return local;
    }

    private async ValueTask ToOtherNodesAsync(BackplaneMessage message, int local, CancellationToken cancellationToken)
    {
        try
        {
            await _node.Backplane.BroadcastAsync(message, cancellationToken).ConfigureAwait(false);
        }
        catch (BackplaneUnavailableException error)
        {
            throw new BackplaneUnavailableException(
                $"The backplane is unreachable, so the broadcast reached only this node's {local} connection(s): {error.Message}", error)
            { LocalDeliveries = local };
        }
    }

    /// <summary>Stops accepting, closes every connection with 1001 (going away), waits up to the close timeout for
    /// the close handshakes, then aborts what is left. Idempotent.</summary>
    /// <param name="cancellationToken">Stops waiting (the shutdown goes on).</param>
    public async ValueTask StopAsync(CancellationToken cancellationToken = default)
    {
        if (Interlocked.Exchange(ref _stopRequested, 1) == 0)
        {
            _ = ShutdownAsync();
        }

        await _stopped.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Stops the server (see <see cref="StopAsync"/>). Never throws.</summary>
    public async ValueTask DisposeAsync() => await StopAsync(CancellationToken.None).ConfigureAwait(false);

    private async Task ShutdownAsync()
    {
        try
        {
            _stopping.Cancel();
            _listener?.Dispose();
            await _acceptLoop.ConfigureAwait(false);

            // No handshake starts any more: give up the accept loop's count and wait for the last one to end.
            if (Interlocked.Decrement(ref _handshakes) > 0)
            {
                await _handshakesDone.Task.ConfigureAwait(false);
            }

            var clients = _registry.Snapshot;
            Diagnostics.Log.Stopping(_logger, clients.Count);
            await Task.WhenAll(clients.Select(CloseGoingAwayAsync)).ConfigureAwait(false);
        }
        finally
        {
            _tls?.Dispose();
            _resume.Stop();
            _messaging.Stop();
            await _node.StopAsync().ConfigureAwait(false);
            _accepted.Writer.TryComplete();
            _failures.Complete();
            _stopped.TrySetResult();
        }
    }

    private static async Task CloseGoingAwayAsync(WebSocketConnection connection)
    {
        try
        {
            // Bounded by the connection's close timeout, after which it aborts itself.
            await connection.CloseAsync(CloseCode.GoingAway, "server shutting down").ConfigureAwait(false);
        }
        catch (ConnectionClosedException)
        {
            // Ended abnormally: it is gone all the same.
        }

        await connection.DisposeAsync().ConfigureAwait(false);
    }

    private async Task AcceptLoopAsync(Listener listener)
    {
        await Task.Yield();
        while (!_stopping.IsCancellationRequested)
        {
            AcceptedSocket socket;
            try
            {
                socket = await listener.AcceptAsync(_stopping.Token).ConfigureAwait(false);
            }
            catch (Exception) when (_stopping.IsCancellationRequested)
            {
                return;
            }
            catch (SocketException error)
            {
                Diagnostics.Log.AcceptFailed(_logger, error);
                continue;
            }

            // Counted rather than kept in a collection, and reported back rather than awaited: a handshake costs no
            // bookkeeping object and one async method. It takes a connection place only once its request has arrived.
            Interlocked.Increment(ref _handshakes);
            _ = _acceptor.AcceptAsync(socket, Admission.AddressOf(socket.RemoteEndPoint), this, _stopping.Token);
        }
    }

    void IHandshakeOwner.OnHandshakeEnded(WebSocketConnection? connection, IPAddress? address)
    {
        if (connection is not null && _resume.Owns(connection))
        {
            _ = ResumeAsync(connection, address);   // counted as a handshake until the session took it
            return;
        }

        try
        {
            if (connection is not null)
            {
                Register(connection, address);
            }
        }
        finally
        {
            HandshakeDone();
        }
    }

    private async Task ResumeAsync(WebSocketConnection connection, IPAddress? address)
    {
        try
        {
            Diagnostics.Log.Accepted(_logger, connection.Id, connection.RemoteEndPoint);
            _admission.Register(connection, address);
            await _resume.AcceptAsync(connection, _stopping.Token).ConfigureAwait(false);
        }
#pragma warning disable CA1031 // Nobody awaits a handshake: an unexpected failure is logged instead of lost.
        catch (Exception error)
#pragma warning restore CA1031
        {
            Diagnostics.Log.HandshakeFailed(_logger, connection.RemoteEndPoint, error);
        }
        finally
        {
            HandshakeDone();
        }
    }

    private void HandshakeDone()
    {
        if (Interlocked.Decrement(ref _handshakes) == 0)
        {
            _handshakesDone.TrySetResult();
        }
    }

    private void Register(WebSocketConnection connection, IPAddress? address)
    {
        Diagnostics.Log.Accepted(_logger, connection.Id, connection.RemoteEndPoint);
        _admission.Register(connection, address);
        if (_messaging.Owns(connection))
        {
            _messaging.Start(this, connection);
            return;
        }

        _accepted.Writer.TryWrite(connection);
    }

    /// <summary>Whether raw broadcasts reach <paramref name="connection"/>: a resumable session's connection carries
    /// numbered envelopes, a messaging connection protocol frames.</summary>
    private bool Broadcastable(WebSocketConnection connection) => !_resume.Owns(connection) && !_messaging.Owns(connection);

    private static string FormatHost(IPAddress address) =>
        address.AddressFamily == AddressFamily.InterNetworkV6 ? $"[{address}]" : address.ToString();
}
