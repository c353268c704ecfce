using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using RxSockets.Scaling;
using StackExchange.Redis;

namespace RxSockets.Redis;

/// <summary>
/// An <see cref="IBackplane"/> over Redis (6.2 or newer; a single primary, not Redis Cluster): topic publications,
/// broadcasts, presence and topic history shared by every node that uses the same Redis and
/// <see cref="RedisBackplaneOptions.KeyPrefix"/>. One instance is one node.
/// </summary>
/// <remarks>
/// <para><b>Publications.</b> A publish is one Lua script that assigns the topic's next offset (starting its epoch when
/// it has none), keeps the publication in the topic's history stream, trimmed to the history size and age, and
/// publishes it on the topic's channel, all in one atomic step: every node subscribed to the topic receives the topic's
/// publications in offset order, and hands them to <see cref="IBackplaneHandler.OnPublicationAsync"/> one at a time
/// (each awaited). The epoch changes only when the history was lost: Redis restarted empty, or the history stream was
/// deleted while it still held publications younger than the age limit.</para>
/// <para><b>Liveness.</b> Every <see cref="RedisBackplaneOptions.HeartbeatInterval"/> a node writes its heartbeat
/// (Redis server time) and client count, and removes any node whose heartbeat is older than
/// <see cref="RedisBackplaneOptions.NodeTimeout"/>, announcing the leaves of its members. So a node that dies without
/// disposing its backplane vanishes from every node's members and counts within <c>NodeTimeout + HeartbeatInterval</c>
/// of its last heartbeat (as long as one other node is up), and queries never count it once <c>NodeTimeout</c> has
/// passed.</para>
/// <para><b>Connection loss.</b> When a connection to Redis fails the handler is told once
/// (<see cref="IBackplaneHandler.OnConnectionLost"/>) and operations throw <see cref="BackplaneUnavailableException"/>
/// at once while Redis cannot be reached. When it is back the node registers again, writes its members again (Redis may
/// have restarted empty), proves each subscription live by a probe it sends itself, and only then calls
/// <see cref="IBackplaneHandler.OnConnectionRestored"/>.</para>
/// </remarks>
public sealed partial class RedisBackplane : IBackplane
{
    private const int New = 0;
    private const int Starting = 1;
    private const int Started = 2;
    private const int Disposed = 3;
    private const int RemoveBatch = 500;
    private const int PresenceBatch = 256;

    private readonly RedisBackplaneOptions _options;
    private readonly IConnectionMultiplexer? _givenConnection;
    private readonly ILogger _logger;
    private readonly string _prefix;
    private readonly RedisKey _nodesKey;
    private readonly RedisKey _clientsKey;
    private readonly RedisKey _nodePresenceKey;
    private readonly RedisChannel _broadcastChannel;
    private readonly RedisChannel _presenceChannel;
    private readonly ConcurrentDictionary<string, ChannelSubscription> _subscriptions = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Task> _retiredPumps = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<(string Topic, long ConnectionId), byte> _joined = new();
    private readonly ConcurrentDictionary<string, TaskCompletionSource> _probes = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _subscriptionLock = new(1, 1);
    private readonly Lock _restoreGate = new();
    private readonly CancellationTokenSource _stopping = new();
    private readonly string _endPoint;
    private IConnectionMultiplexer? _connection;
    private IDatabase? _database;
    private ISubscriber? _subscriber;
    private IBackplaneHandler? _handler;
    private Task _heartbeat = Task.CompletedTask;
    private Task _restoring = Task.CompletedTask;
    private int _state;
    private int _lost;
    private long _failures;
    private volatile bool _crashed;

    /// <summary>Creates a node that connects to Redis itself (in <see cref="StartAsync"/>) and closes the connection when
    /// disposed.</summary>
    /// <param name="options">The options; <see cref="RedisBackplaneOptions.Configuration"/> is required.</param>
    /// <exception cref="ArgumentException">An option is invalid (the message names it).</exception>
    public RedisBackplane(RedisBackplaneOptions options)
        : this(options, null)
    {
    }

    /// <summary>Creates a node over an existing connection, which it leaves open when disposed.
    /// <see cref="RedisBackplaneOptions.Configuration"/> is ignored. Use a connection made with <c>abortConnect=false</c>
    /// (so that it reconnects) and, for operations that fail fast while Redis is down,
    /// <see cref="BacklogPolicy.FailFast"/>.</summary>
    /// <param name="connection">The connection.</param>
    /// <param name="options">The options, or null for the defaults.</param>
    /// <exception cref="ArgumentException">An option is invalid (the message names it).</exception>
    public RedisBackplane(IConnectionMultiplexer connection, RedisBackplaneOptions? options = null)
        : this(options ?? new RedisBackplaneOptions(), connection ?? throw new ArgumentNullException(nameof(connection)))
    {
    }

    private RedisBackplane(RedisBackplaneOptions options, IConnectionMultiplexer? connection)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = RedisBackplaneOptions.Validate(options, needsConfiguration: connection is null);
        _givenConnection = connection;
        NodeId = _options.NodeId ?? NewId();
        _logger = (ILogger?)_options.LoggerFactory?.CreateLogger<RedisBackplane>() ?? NullLogger.Instance;
        _prefix = _options.KeyPrefix;
        _nodesKey = new RedisKey(_prefix + ":nodes");
        _clientsKey = new RedisKey(_prefix + ":clients");
        _nodePresenceKey = new RedisKey(_prefix + ":node:" + NodeId + ":presence");
        _broadcastChannel = RedisChannel.Literal(_prefix + ":broadcast");
        _presenceChannel = RedisChannel.Literal(_prefix + ":presence");
        _endPoint = connection is null
            ? FormatEndPoints(ConfigurationOptions.Parse(_options.Configuration!).EndPoints)
            : FormatEndPoints(connection.GetEndPoints());
    }

    /// <inheritdoc />
    public string NodeId { get; }

    /// <summary>The Redis endpoint(s) this node uses, as written in its error messages.</summary>
    public string EndPoint => _endPoint;

    private IDatabase Database => _database ?? throw new InvalidOperationException("The backplane is not started.");

    private long NodeTimeoutMs => (long)Math.Ceiling(_options.NodeTimeout.TotalMilliseconds);

    /// <inheritdoc />
    public async ValueTask StartAsync(IBackplaneHandler handler, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(handler);
        var state = Interlocked.CompareExchange(ref _state, Starting, New);
        ObjectDisposedException.ThrowIf(state == Disposed, this);
        if (state != New)
        {
            throw new InvalidOperationException("RedisBackplane.StartAsync was already called: a backplane is started once.");
        }

        _handler = handler;
        Volatile.Write(ref _lost, 0);
        IConnectionMultiplexer? connection = null;
        try
        {
            var connecting = Stopwatch.StartNew();
            connection = _givenConnection ?? await ConnectAsync(cancellationToken).ConfigureAwait(false);
            if (!connection.IsConnected && !await WaitConnectedAsync(connection, _options.ConnectTimeout - connecting.Elapsed, cancellationToken).ConfigureAwait(false))
            {
                throw new BackplaneUnavailableException(
                    $"Redis at {_endPoint} is unreachable: no connection within {_options.ConnectTimeout.TotalSeconds:0.###} s (ConnectTimeout).");
            }

            _connection = connection;
            _database = connection.GetDatabase();
            _subscriber = connection.GetSubscriber();
            connection.ConnectionFailed += OnConnectionFailed;
            connection.ConnectionRestored += OnConnectionRestored;

            await SubscribeWhileStartingAsync(_broadcastChannel, OnBroadcastFrameAsync, connecting, cancellationToken).ConfigureAwait(false);
            await SubscribeWhileStartingAsync(_presenceChannel, OnMembershipFrameAsync, connecting, cancellationToken).ConfigureAwait(false);

            // A previous run with this NodeId may have left members behind: announce their leaves and drop them.
            var leftovers = await RemoveNodeAsync(NodeId, cancellationToken).ConfigureAwait(false);
            if (leftovers > 0)
            {
                Log.LeftoversRemoved(_logger, NodeId, leftovers);
            }

            await WriteHeartbeatAsync(cancellationToken).ConfigureAwait(false);
            if (Interlocked.CompareExchange(ref _state, Started, Starting) != Starting)
            {
                throw new ObjectDisposedException(GetType().FullName, "The backplane was disposed while it was starting.");
            }

            _heartbeat = Task.Run(HeartbeatLoopAsync, CancellationToken.None);
            Log.Started(_logger, NodeId, _endPoint);
        }
        catch (Exception error)
        {
            await AbandonStartAsync(connection).ConfigureAwait(false);
            Interlocked.CompareExchange(ref _state, New, Starting);
            if (error is not BackplaneUnavailableException && IsUnavailable(error))
            {
                throw new BackplaneUnavailableException($"Redis at {_endPoint} is unreachable: {error.Message}", error);
            }

            throw;
        }
    }

    /// <summary>Stops the heartbeat, removes this node's members (announcing their leaves) and its registry entry,
    /// stops every delivery, and closes the connection when the backplane made it. Never throws.</summary>
    public async ValueTask DisposeAsync()
    {
        var previous = Interlocked.Exchange(ref _state, Disposed);
        if (previous == Disposed)
        {
            return;
        }

        var bound = _options.ConnectTimeout;
        try
        {
            await _stopping.CancelAsync().ConfigureAwait(false);
            await Quietly(_heartbeat, bound).ConfigureAwait(false);
            await Quietly(_restoring, bound).ConfigureAwait(false);
            var connection = _connection;
            if (connection is not null)
            {
                connection.ConnectionFailed -= OnConnectionFailed;
                connection.ConnectionRestored -= OnConnectionRestored;
            }

            // Deliveries stop first: the handler is not called once the node starts leaving.
            foreach (var subscription in _subscriptions.Values)
            {
                await RetireAsync(subscription).ConfigureAwait(false);
            }

            _subscriptions.Clear();
            if (previous == Started && !_crashed && connection is { IsConnected: true })
            {
                try
                {
                    await RemoveNodeAsync(NodeId, CancellationToken.None).AsTask().WaitAsync(bound).ConfigureAwait(false);
                }
                catch (Exception error)
                {
                    Log.DisposeFailed(_logger, NodeId, error);
                }
            }

            var pumps = _retiredPumps.Values.ToArray();
            await Quietly(Task.WhenAll(pumps), bound).ConfigureAwait(false);
            if (_givenConnection is null && connection is not null && !_crashed)
            {
                await Quietly(connection.CloseAsync(allowCommandsToComplete: true), bound).ConfigureAwait(false);
                connection.Dispose();
            }
        }
        catch (Exception error)
        {
            Log.DisposeFailed(_logger, NodeId, error);
        }
        finally
        {
            foreach (var probe in _probes.Values)
            {
                probe.TrySetCanceled();
            }
        }
    }

    /// <summary>For tests: makes the node die as a crashed process would, without any cleanup (its heartbeat stops
    /// and its connection is closed, leaving its members and registry entry in Redis).</summary>
    internal async Task CrashAsync()
    {
        _crashed = true;
        await _stopping.CancelAsync().ConfigureAwait(false);
        await Quietly(_heartbeat, _options.ConnectTimeout).ConfigureAwait(false);
        if (_connection is { } connection)
        {
            connection.ConnectionFailed -= OnConnectionFailed;
            connection.ConnectionRestored -= OnConnectionRestored;
            await Quietly(connection.CloseAsync(allowCommandsToComplete: false), _options.ConnectTimeout).ConfigureAwait(false);
            connection.Dispose();
        }
    }

    /// <summary>For tests: one heartbeat round (heartbeat, dead nodes, restoration) now.</summary>
    internal Task TickAsync() => HeartbeatOnceAsync();

    private void EnsureStarted()
    {
        var state = Volatile.Read(ref _state);
        ObjectDisposedException.ThrowIf(state == Disposed, this);
        if (state != Started)
        {
            throw new InvalidOperationException("The backplane is not started: call StartAsync first.");
        }
    }

    private void EnsureConnected()
    {
        if (_connection is not { IsConnected: true })
        {
            throw new BackplaneUnavailableException($"Redis at {_endPoint} is unreachable: the connection is down (it is retried in the background).");
        }
    }

    private static string NewId() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6));
}
