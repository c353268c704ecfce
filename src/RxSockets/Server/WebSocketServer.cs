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
public sealed partial class WebSocketServer : IAsyncDisposable, IHandshakeOwner
{
    private readonly WebSocketServerOptions _options;
    private readonly Listener? _listener;
    private readonly ServerTls? _tls;
    private readonly ServerAcceptor _acceptor;
    private readonly ILogger _logger;
    private readonly ConnectionRegistry _registry;
    private readonly ResumeHost _resume;
    private readonly MessagingHost _messaging;
    private readonly Admission _admission;
    private readonly BroadcastGate _gate;
    private readonly TopicRegistry _topics;
    private readonly ClusterNode _node;
    private readonly UpgradeNegotiator _negotiator;
    private readonly ObserverList<HandshakeFailure> _failureObservers;
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

    /// <param name="settings">What the accept path reads of <paramref name="options"/>.</param>
    private WebSocketServer(WebSocketServerOptions options, AcceptSettings settings, Listener? listener, ServerTls? tls, ILogger logger)
    {
        _options = options;
        _listener = listener;
        _tls = tls;
        _logger = logger;
        _admission = new Admission(settings);
        _registry = new ConnectionRegistry(_admission);
        _failureObservers = new ObserverList<HandshakeFailure>(error => Diagnostics.Log.ObserverFaulted(logger, 0, error));
        _failures = new HandshakeFailureFeed(() => _failureObservers.HasObservers, _failureObservers.Next);
        _acceptor = new ServerAcceptor(settings, _admission, _logger, tls, _failures);
        _resume = new ResumeHost(options.Resume, options, _logger);
        _gate = new BroadcastGate(options);
        _node = new ClusterNode(options.Backplane ?? new InProcessBackplane(), _registry, _gate, options, Broadcastable, logger);
        _topics = new TopicRegistry(_node, ProtocolTopicFrames.Instance, options.ConfigureTopic, error => Diagnostics.Log.ObserverFaulted(_logger, 0, error));
        _node.Attach(_topics);
        _messaging = new MessagingHost(options.Messaging?.ToSettings(this), options.Scheduler, _topics, _logger, error => Diagnostics.Log.ObserverFaulted(_logger, 0, error));
        if (_node.Backplane is InProcessBackplane)
        {
            // Synchronous (nothing to reach): a completed task, whose failure (a backplane already in use) is thrown here.
            _node.StartAsync(CancellationToken.None).GetAwaiter().GetResult();
        }
        _negotiator = new UpgradeNegotiator(options.ToAcceptSettings(runsResume: false), _admission, _logger, _failures);
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
    public IObservable<HandshakeFailure> HandshakeFailures => _failureObservers;

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
        var settings = validated.ToAcceptSettings();
        var tls = ServerTls.Create(settings.Tls, logger);
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

        var server = new WebSocketServer(validated, settings, listener, tls, logger);
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
        return new WebSocketServer(validated, validated.ToAcceptSettings(), null, null, validated.LoggerFactory.CreateLogger("RxSockets.Server"));
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

    private static string FormatHost(IPAddress address) =>
        address.AddressFamily == AddressFamily.InterNetworkV6 ? $"[{address}]" : address.ToString();
}
