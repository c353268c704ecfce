using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using RxSockets.Reactive;
using RxSockets.Resumption;
using RxSockets.Server;
using RxSockets.Transport;

namespace RxSockets;

/// <summary>
/// An embedded WebSocket server: listens on a host and port, runs the opening handshake (path, origin, subprotocol,
/// <see cref="WebSocketServerOptions.VerifyClient"/>), tracks its clients, broadcasts, and shuts down gracefully.
/// </summary>
/// <remarks>
/// <para><b>Thread safety.</b> Every member may be called from any thread.</para>
/// <para><b>New connections.</b> Accepted connections wait in a queue until consumed through
/// <see cref="Connections"/> (any number of subscribers) or <see cref="AcceptAllAsync"/> (one enumerator), not both;
/// a connection accepted before anyone subscribed is not lost. Each connection's own messages wait, in turn, until
/// that connection is consumed.</para>
/// </remarks>
public sealed class WebSocketServer : IAsyncDisposable
{
    private readonly WebSocketServerOptions _options;
    private readonly Listener _listener;
    private readonly ServerTls? _tls;
    private readonly ServerAcceptor _acceptor;
    private readonly ILogger _logger;
    private readonly ConnectionRegistry _registry = new();
    private readonly ResumeHost _resume;
    private readonly Channel<WebSocketConnection> _accepted = Channel.CreateUnbounded<WebSocketConnection>(new UnboundedChannelOptions { SingleReader = true });
    private readonly ChannelObservable<WebSocketConnection> _connections;
    private readonly ConcurrentDictionary<Task, bool> _handshakes = new();
    private readonly CancellationTokenSource _stopping = new();
    private readonly TaskCompletionSource _stopped = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Task _acceptLoop = Task.CompletedTask;
    private int _stopRequested;

    private WebSocketServer(WebSocketServerOptions options, Listener listener, ServerTls? tls, ILogger logger)
    {
        _options = options;
        _listener = listener;
        _tls = tls;
        _logger = logger;
        _acceptor = new ServerAcceptor(options, _logger, tls);
        _resume = new ResumeHost(options, _logger);
        _connections = new ChannelObservable<WebSocketConnection>(_accepted.Reader, _stopped.Task,
            error => Diagnostics.Log.ObserverFaulted(_logger, 0, error), nameof(Connections));
    }

    /// <summary>The address and port the server listens on (the real port when 0 was asked for).</summary>
    public IPEndPoint LocalEndPoint => _listener.LocalEndPoint;

    /// <summary>The URL clients connect to, such as <c>ws://127.0.0.1:8080/chat</c>, or <c>wss://…</c> when the server
    /// has a certificate.</summary>
    public Uri Url => new($"{(_tls is null ? "ws" : "wss")}://{FormatHost(LocalEndPoint.Address)}:{LocalEndPoint.Port}{_options.Path}");

    /// <summary>New connections, each once its handshake succeeded. Hot; connections wait until the first
    /// subscription. Completes when the server stops.</summary>
    public IObservable<WebSocketConnection> Connections => _connections;

    /// <summary>New resumable sessions (when <see cref="WebSocketServerOptions.Resume"/> is set), each once its first
    /// connection opened; a client that resumes continues its existing session and does not appear again. Connections
    /// that negotiated resumption appear here, wrapped, instead of in <see cref="Connections"/>. Hot; sessions wait until
    /// the first subscription. Completes when the server stops.</summary>
    public IObservable<ResumableSession> Sessions => _resume.Sessions;

    /// <summary>The connections open now.</summary>
    public IReadOnlyCollection<WebSocketConnection> Clients => _registry.Snapshot;

    /// <summary>The number of connections open now.</summary>
    public int ClientCount => _registry.Count;

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
            listener = await Listener.StartAsync(validated.Host, validated.Port, validated.Backlog, useEpoll: tls is null, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            tls?.Dispose();
            throw;
        }

        var server = new WebSocketServer(validated, listener, tls, logger);
        Diagnostics.Log.Listening(server._logger, listener.LocalEndPoint);
        server._acceptLoop = server.AcceptLoopAsync();
        return server;
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

    /// <summary>Sends a message to every open connection that passes <paramref name="filter"/>. The message is framed
    /// once for all of them. Completes when it is queued on every recipient (waiting for room where a queue is full);
    /// connections that close meanwhile are skipped.</summary>
    /// <param name="message">The message.</param>
    /// <param name="filter">Which connections receive it; null for all.</param>
    /// <param name="cancellationToken">Cancels waiting for room in full queues.</param>
    /// <returns>The number of connections the message was queued on.</returns>
    public async ValueTask<int> BroadcastAsync(Message message, Func<WebSocketConnection, bool>? filter = null, CancellationToken cancellationToken = default)
    {
        var frame = PreparedFrame.Create(message, _options.FragmentSize);
        List<Task<bool>>? waiting = null;
        var delivered = 0;
        foreach (var connection in _registry.Snapshot)
        {
            // A resumable session's connection carries numbered envelopes: send to the session instead.
            if (connection.State != ConnectionState.Open || _resume.Owns(connection) || (filter is not null && !filter(connection)))
            {
                continue;
            }

            if (connection.TrySend(frame))
            {
                delivered++;
            }
            else
            {
                (waiting ??= []).Add(SendWhenRoomAsync(connection, frame, cancellationToken));
            }
        }

        if (waiting is not null)
        {
            foreach (var sent in await Task.WhenAll(waiting).ConfigureAwait(false))
            {
                delivered += sent ? 1 : 0;
            }
        }

        return delivered;
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
            _listener.Dispose();
            await _acceptLoop.ConfigureAwait(false);
            await Task.WhenAll(_handshakes.Keys).ConfigureAwait(false);
            var clients = _registry.Snapshot;
            Diagnostics.Log.Stopping(_logger, clients.Count);
            await Task.WhenAll(clients.Select(CloseGoingAwayAsync)).ConfigureAwait(false);
        }
        finally
        {
            _tls?.Dispose();
            _resume.Stop();
            _accepted.Writer.TryComplete();
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

    private async Task AcceptLoopAsync()
    {
        await Task.Yield();
        while (!_stopping.IsCancellationRequested)
        {
            AcceptedSocket socket;
            try
            {
                socket = await _listener.AcceptAsync(_stopping.Token).ConfigureAwait(false);
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

            var handshake = HandshakeAsync(socket);
            _handshakes[handshake] = true;
            _ = handshake.ContinueWith(t => _handshakes.TryRemove(t, out _), CancellationToken.None,
                TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }
    }

    private async Task HandshakeAsync(AcceptedSocket socket)
    {
        var reserved = _registry.TryReserve(_options.MaxConnections);
        var connection = await _acceptor.AcceptAsync(socket, full: !reserved, _stopping.Token).ConfigureAwait(false);
        if (connection is null)
        {
            if (reserved)
            {
                _registry.Release();
            }

            return;
        }

        Diagnostics.Log.Accepted(_logger, connection.Id, connection.RemoteEndPoint);
        _registry.Add(connection);
        if (_resume.Owns(connection))
        {
            await _resume.AcceptAsync(connection, _stopping.Token).ConfigureAwait(false);
            return;
        }

        _accepted.Writer.TryWrite(connection);
    }

    private static async Task<bool> SendWhenRoomAsync(WebSocketConnection connection, PreparedFrame frame, CancellationToken cancellationToken)
    {
        try
        {
            await connection.SendAsync(frame, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (ConnectionClosedException)
        {
            return false;
        }
    }

    private static string FormatHost(IPAddress address) =>
        address.AddressFamily == AddressFamily.InterNetworkV6 ? $"[{address}]" : address.ToString();
}
