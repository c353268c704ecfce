using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Threading.Channels;
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
public sealed class RedisBackplane : IBackplane
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

    /// <inheritdoc />
    public async ValueTask SubscribeAsync(string topic, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(topic);
        EnsureStarted();
        var channel = TopicChannel(topic);
        if (_subscriptions.ContainsKey(channel))
        {
            return;
        }

        await _subscriptionLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (!_subscriptions.ContainsKey(channel))
            {
                EnsureStarted();
                EnsureConnected();
                await SubscribeChannelAsync(RedisChannel.Literal(channel), frame => OnPublicationFrameAsync(topic, frame), cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            _subscriptionLock.Release();
        }
    }

    /// <inheritdoc />
    public async ValueTask UnsubscribeAsync(string topic, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(topic);
        var channel = TopicChannel(topic);
        if (Volatile.Read(ref _state) == Disposed || !_subscriptions.ContainsKey(channel))
        {
            return;
        }

        await _subscriptionLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_subscriptions.TryRemove(channel, out var subscription))
            {
                await RetireAsync(subscription).ConfigureAwait(false);
            }
        }
        finally
        {
            _subscriptionLock.Release();
        }
    }

    /// <inheritdoc />
    public async ValueTask<TopicPosition> PublishAsync(string topic, BackplaneMessage message, TopicHistoryLimits history, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(topic);
        ArgumentNullException.ThrowIfNull(message);
        ArgumentOutOfRangeException.ThrowIfNegative(history.Size, nameof(history));
        ArgumentOutOfRangeException.ThrowIfLessThan(history.Ttl, TimeSpan.Zero, nameof(history));
        EnsureStarted();
        var started = RedisMetrics.Start();   // one method, not a wrapper: no extra state machine per publish
        try
        {
            EnsureConnected();
            RedisKey[] keys = [TopicKey(topic, "meta"), TopicKey(topic, "history")];
            RedisValue[] arguments =
            [
                NewId(),
                history.Size,
                (long)Math.Ceiling(history.Ttl.TotalMilliseconds),
                NodeId,
                message.Except is { } except ? except.ToString(CultureInfo.InvariantCulture) : string.Empty,
                RedisFrames.TypeText(message.Message.Type),
                message.Message.Data,
                TopicChannel(topic),
            ];
            var result = await RunAsync(Database.ScriptEvaluateAsync(RedisScripts.Publish, keys, arguments), cancellationToken).ConfigureAwait(false);
            var parts = (RedisResult[])result!;
            RedisMetrics.Published(RedisMetrics.Publish, started);
            return new TopicPosition((long)parts[0], (string)parts[1]!);
        }
        catch (Exception error) when (error is not OperationCanceledException)
        {
            RedisMetrics.PublishFailed(RedisMetrics.Publish, error);
            throw;
        }
    }

    /// <inheritdoc />
    public async ValueTask<TopicHistoryPage> ReadHistoryAsync(string topic, TopicPosition since, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(topic);
        EnsureStarted();
        EnsureConnected();
        var parts = await ReadAsync(topic, since.Offset < 0 ? 0 : since.Offset, since.Epoch ?? string.Empty, cancellationToken).ConfigureAwait(false);
        var position = new TopicPosition((long)parts[0], (string)parts[1]!);
        if ((long)parts[2] != 1)
        {
            return new TopicHistoryPage(position, [], Complete: false);
        }

        var publications = new List<TopicPublication>();
        if (parts.Length > 3)
        {
            foreach (var entry in (RedisResult[])parts[3]!)
            {
                if (!TryReadEntry(topic, entry, position.Epoch, out var publication))
                {
                    Log.MalformedHistory(_logger, NodeId, topic);
                    return new TopicHistoryPage(position, [], Complete: false);
                }

                publications.Add(publication);
            }
        }

        return new TopicHistoryPage(position, publications, Complete: true);
    }

    /// <inheritdoc />
    public async ValueTask<TopicPosition> GetPositionAsync(string topic, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(topic);
        EnsureStarted();
        EnsureConnected();
        var parts = await ReadAsync(topic, -1, string.Empty, cancellationToken).ConfigureAwait(false);
        return new TopicPosition((long)parts[0], (string)parts[1]!);
    }

    /// <inheritdoc />
    public async ValueTask BroadcastAsync(BackplaneMessage message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        EnsureStarted();
        var started = RedisMetrics.Start();
        try
        {
            EnsureConnected();
            var frame = RedisFrames.EncodeBroadcast(NodeId, message.Except, message.Filter, message.Message);
            await RunAsync(Database.PublishAsync(_broadcastChannel, frame), cancellationToken).ConfigureAwait(false);
            RedisMetrics.Published(RedisMetrics.Broadcast, started);
        }
        catch (Exception error) when (error is not OperationCanceledException)
        {
            RedisMetrics.PublishFailed(RedisMetrics.Broadcast, error);
            throw;
        }
    }

    /// <inheritdoc />
    /// <remarks>The node remembers its members: after an outage it writes them again, so a join that threw
    /// <see cref="BackplaneUnavailableException"/> still reaches the cluster once Redis is back (until the matching
    /// <see cref="LeaveAsync"/>).</remarks>
    public async ValueTask JoinAsync(string topic, long connectionId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(topic);
        EnsureStarted();
        _joined[(topic, connectionId)] = 0;
        EnsureConnected();
        await RunAsync(ChangePresenceAsync(topic, connectionId, joined: true), cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask LeaveAsync(string topic, long connectionId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(topic);
        EnsureStarted();
        _joined.TryRemove((topic, connectionId), out _);
        EnsureConnected();
        await RunAsync(ChangePresenceAsync(topic, connectionId, joined: false), cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask<IReadOnlyList<ClusterMember>> GetMembersAsync(string topic, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(topic);
        EnsureStarted();
        EnsureConnected();
        var result = await RunAsync(
            Database.ScriptEvaluateAsync(RedisScripts.Members, [TopicKey(topic, "presence"), _nodesKey], [NodeTimeoutMs, "list"]),
            cancellationToken).ConfigureAwait(false);
        var members = new List<ClusterMember>();
        foreach (var field in (string[])result!)
        {
            if (TrySplitMember(field, out var node, out var id))
            {
                members.Add(new ClusterMember(node, id));
            }
        }

        return members;
    }

    /// <inheritdoc />
    public async ValueTask<long> GetMemberCountAsync(string topic, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(topic);
        EnsureStarted();
        EnsureConnected();
        var result = await RunAsync(
            Database.ScriptEvaluateAsync(RedisScripts.Members, [TopicKey(topic, "presence"), _nodesKey], [NodeTimeoutMs, "count"]),
            cancellationToken).ConfigureAwait(false);
        return (long)result;
    }

    /// <inheritdoc />
    public async ValueTask<long> GetClientCountAsync(CancellationToken cancellationToken)
    {
        EnsureStarted();
        EnsureConnected();
        var result = await RunAsync(
            Database.ScriptEvaluateAsync(RedisScripts.Clients, [_nodesKey, _clientsKey], [NodeTimeoutMs]),
            cancellationToken).ConfigureAwait(false);
        return (long)result;
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

    private async Task<IConnectionMultiplexer> ConnectAsync(CancellationToken cancellationToken)
    {
        var configuration = ConfigurationOptions.Parse(_options.Configuration!);
        configuration.AbortOnConnectFail = false;
        configuration.ConnectTimeout = (int)Math.Ceiling(_options.ConnectTimeout.TotalMilliseconds);
        configuration.ConnectRetry = 1;
        configuration.BacklogPolicy = BacklogPolicy.FailFast;
        var connecting = ConnectionMultiplexer.ConnectAsync(configuration);
        try
        {
            return await connecting.WaitAsync(_options.ConnectTimeout * 2, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception error) when (error is TimeoutException or OperationCanceledException)
        {
            _ = connecting.ContinueWith(
                static task =>
                {
                    if (task.IsCompletedSuccessfully)
                    {
                        task.Result.Dispose();
                    }

                    _ = task.Exception;
                },
                CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            if (error is TimeoutException)
            {
                throw new BackplaneUnavailableException(
                    $"Redis at {_endPoint} is unreachable: no connection within {_options.ConnectTimeout.TotalSeconds:0.###} s (ConnectTimeout).", error);
            }

            throw;
        }
    }

    private static async Task<bool> WaitConnectedAsync(IConnectionMultiplexer connection, TimeSpan timeout, CancellationToken cancellationToken)
    {
        if (timeout <= TimeSpan.Zero)
        {
            return connection.IsConnected;
        }

        var connected = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        void OnRestored(object? sender, ConnectionFailedEventArgs e) => connected.TrySetResult();
        connection.ConnectionRestored += OnRestored;
        try
        {
            if (connection.IsConnected)
            {
                return true;
            }

            await connected.Task.WaitAsync(timeout, cancellationToken).ConfigureAwait(false);
            return connection.IsConnected;
        }
        catch (TimeoutException)
        {
            return connection.IsConnected;
        }
        finally
        {
            connection.ConnectionRestored -= OnRestored;
        }
    }

    private async Task AbandonStartAsync(IConnectionMultiplexer? connection)
    {
        try
        {
            foreach (var subscription in _subscriptions.Values)
            {
                await RetireAsync(subscription).ConfigureAwait(false);
            }

            _subscriptions.Clear();
            if (connection is not null)
            {
                connection.ConnectionFailed -= OnConnectionFailed;
                connection.ConnectionRestored -= OnConnectionRestored;
                if (_givenConnection is null)
                {
                    await Quietly(connection.CloseAsync(allowCommandsToComplete: false), _options.ConnectTimeout).ConfigureAwait(false);
                    connection.Dispose();
                }
            }
        }
        catch (Exception error)
        {
            Log.DisposeFailed(_logger, NodeId, error);
        }

        _connection = null;
        _database = null;
        _subscriber = null;
    }

    private async Task HeartbeatLoopAsync()
    {
        try
        {
            using var timer = new PeriodicTimer(_options.HeartbeatInterval, _options.TimeProvider);
            while (await timer.WaitForNextTickAsync(_stopping.Token).ConfigureAwait(false))
            {
                await HeartbeatOnceAsync().ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
        }
        catch (Exception error)
        {
            Log.BackgroundFailed(_logger, NodeId, error);
        }
    }

    private async Task HeartbeatOnceAsync()
    {
        var connection = _connection;
        if (connection is null || _stopping.IsCancellationRequested)
        {
            return;
        }

        if (connection.IsConnected)
        {
            try
            {
                if (await WriteHeartbeatAsync(CancellationToken.None).ConfigureAwait(false))
                {
                    Log.Reregistered(_logger, NodeId, _joined.Count);
                    await SyncPresenceAsync().ConfigureAwait(false);
                }

                await ReapDeadNodesAsync().ConfigureAwait(false);
            }
            catch (Exception error)
            {
                Log.HeartbeatFailed(_logger, NodeId, error);
            }
        }

        if (Volatile.Read(ref _lost) == 1 && connection.IsConnected)
        {
            StartRestoring();
        }
    }

    /// <summary>Writes the heartbeat; true when the node was not registered before.</summary>
    private async Task<bool> WriteHeartbeatAsync(CancellationToken cancellationToken)
    {
        var clients = 0;
        try
        {
            clients = _handler?.LocalClientCount ?? 0;
        }
        catch (Exception error)
        {
            Log.HandlerFailed(_logger, NodeId, error);
        }

        var added = await RunAsync(
            Database.ScriptEvaluateAsync(RedisScripts.Heartbeat, [_nodesKey, _clientsKey], [NodeId, clients]),
            cancellationToken).ConfigureAwait(false);
        return (long)added == 1;
    }

    private async Task ReapDeadNodesAsync()
    {
        var reaped = new Dictionary<string, long>(StringComparer.Ordinal);
        for (var round = 0; round < 1000 && !_stopping.IsCancellationRequested; round++)
        {
            var parts = (RedisResult[])(await Database.ScriptEvaluateAsync(
                RedisScripts.RemoveNode, [], [_prefix, NodeTimeoutMs, RemoveBatch, string.Empty]).ConfigureAwait(false))!;
            var node = (string)parts[0]!;
            if (node.Length == 0)
            {
                break;
            }

            reaped[node] = reaped.GetValueOrDefault(node) + (long)parts[1];
        }

        foreach (var (node, members) in reaped)
        {
            Log.NodeReaped(_logger, NodeId, node, members);
        }
    }

    /// <summary>Removes a node's members (announcing the leaves) and its registry entries; returns how many members.</summary>
    private async ValueTask<long> RemoveNodeAsync(string node, CancellationToken cancellationToken)
    {
        long removed = 0;
        while (true)
        {
            var parts = (RedisResult[])(await RunAsync(
                Database.ScriptEvaluateAsync(RedisScripts.RemoveNode, [], [_prefix, NodeTimeoutMs, RemoveBatch, node]),
                cancellationToken).ConfigureAwait(false))!;
            removed += (long)parts[1];
            if ((long)parts[2] == 1)
            {
                return removed;
            }
        }
    }

    /// <summary>Makes Redis hold exactly this node's members: writes every remembered one again (announcing those that
    /// were missing) and removes those Redis holds but the node does not.</summary>
    private async Task SyncPresenceAsync()
    {
        var stored = await Database.SetMembersAsync(_nodePresenceKey).ConfigureAwait(false);
        var work = new List<Func<Task>>();
        foreach (var value in stored)
        {
            if (TrySplitMember((string)value!, out var topic, out var id) && !_joined.ContainsKey((topic, id)))
            {
                work.Add(async () =>
                {
                    await ChangePresenceAsync(topic, id, joined: false).ConfigureAwait(false);
                    if (_joined.ContainsKey((topic, id)))
                    {
                        // joined while it was taken out: write it back
                        await ChangePresenceAsync(topic, id, joined: true).ConfigureAwait(false);
                    }
                });
            }
        }

        foreach (var (topic, id) in _joined.Keys)
        {
            work.Add(async () =>
            {
                await ChangePresenceAsync(topic, id, joined: true).ConfigureAwait(false);
                if (!_joined.ContainsKey((topic, id)))
                {
                    // left while it was written again: take it back out
                    await ChangePresenceAsync(topic, id, joined: false).ConfigureAwait(false);
                }
            });
        }

        for (var start = 0; start < work.Count; start += PresenceBatch)
        {
            await Task.WhenAll(work.Skip(start).Take(PresenceBatch).Select(item => item())).ConfigureAwait(false);
        }
    }

    private Task<RedisResult> ChangePresenceAsync(string topic, long connectionId, bool joined)
    {
        var id = connectionId.ToString(CultureInfo.InvariantCulture);
        RedisKey[] keys = [TopicKey(topic, "presence"), _nodePresenceKey];
        RedisValue[] arguments =
        [
            NodeId + "|" + id,
            topic + "|" + id,
            _prefix + ":presence",
            RedisFrames.EncodeMembership(joined, NodeId, connectionId, topic),
        ];
        return Database.ScriptEvaluateAsync(joined ? RedisScripts.Join : RedisScripts.Leave, keys, arguments);
    }

    private async Task<RedisResult[]> ReadAsync(string topic, long since, string epoch, CancellationToken cancellationToken)
    {
        RedisKey[] keys = [TopicKey(topic, "meta"), TopicKey(topic, "history")];
        var result = await RunAsync(
            Database.ScriptEvaluateAsync(RedisScripts.Read, keys, [NewId(), since, epoch]),
            cancellationToken).ConfigureAwait(false);
        return (RedisResult[])result!;
    }

    private static bool TryReadEntry(string topic, RedisResult entry, string epoch, out TopicPublication publication)
    {
        publication = default;
        var parts = (RedisResult[])entry!;
        if (parts.Length != 2)
        {
            return false;
        }

        var id = (string)parts[0]!;
        var dash = id.IndexOf('-', StringComparison.Ordinal);
        if (dash <= 0 || !long.TryParse(id.AsSpan(0, dash), NumberStyles.None, CultureInfo.InvariantCulture, out var offset))
        {
            return false;
        }

        var fields = (RedisResult[])parts[1]!;
        byte[]? data = null;
        string? type = null;
        string? node = null;
        long? except = null;
        for (var i = 0; i + 1 < fields.Length; i += 2)
        {
            switch ((string)fields[i]!)
            {
                case "x":
                    except = long.TryParse((string?)fields[i + 1], NumberStyles.None, CultureInfo.InvariantCulture, out var skipped) ? skipped : null;
                    break;
                case "d":
                    data = (byte[])fields[i + 1]! ?? [];
                    break;
                case "y":
                    type = (string)fields[i + 1]!;
                    break;
                case "n":
                    node = (string)fields[i + 1]!;
                    break;
            }
        }

        if (data is null || node is null)
        {
            return false;
        }

        if (type is not { Length: 1 } || !RedisFrames.TryCreateMessage((byte)type[0], data, out var message))
        {
            return false;
        }

        publication = new TopicPublication(topic, offset, epoch, message, node) { Except = except };
        return true;
    }

    /// <summary>Subscribes a control channel during <see cref="StartAsync"/>: the subscription connection may come up a
    /// moment after the interactive one, so an unavailable subscription is tried again (with a growing pause) until
    /// <see cref="RedisBackplaneOptions.ConnectTimeout"/> has passed since the start began.</summary>
    private async Task SubscribeWhileStartingAsync(RedisChannel channel, Func<ReadOnlyMemory<byte>, ValueTask> deliver, Stopwatch started, CancellationToken cancellationToken)
    {
        var pause = TimeSpan.FromMilliseconds(10);
        while (true)
        {
            try
            {
                await SubscribeChannelAsync(channel, deliver, cancellationToken).ConfigureAwait(false);
                return;
            }
            catch (BackplaneUnavailableException) when (started.Elapsed + pause < _options.ConnectTimeout)
            {
                await Task.Delay(pause, cancellationToken).ConfigureAwait(false);
                pause = TimeSpan.FromMilliseconds(Math.Min(pause.TotalMilliseconds * 2, 250));
            }
        }
    }

    private async Task SubscribeChannelAsync(RedisChannel channel, Func<ReadOnlyMemory<byte>, ValueTask> deliver, CancellationToken cancellationToken)
    {
        var name = channel.ToString();
        var subscriber = _subscriber!;
        var subscribing = subscriber.SubscribeAsync(channel);
        ChannelMessageQueue queue;
        try
        {
            queue = await subscribing.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // the subscription may still complete: drop it then
            _ = subscribing.ContinueWith(
                (task, state) =>
                {
                    if (task.IsCompletedSuccessfully)
                    {
                        Observe(task.Result.UnsubscribeAsync());
                    }
                    else
                    {
                        Forget((ISubscriber)state!, channel);
                    }
                },
                subscriber, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            throw;
        }
        catch (Exception error)
        {
            // A failed subscribe leaves its queue registered in the multiplexer, where nothing would ever read it.
            Forget(subscriber, channel);
            if (IsUnavailable(error))
            {
                throw Unavailable(error);
            }

            throw;
        }

        var previous = _retiredPumps.TryRemove(name, out var retired) ? retired : Task.CompletedTask;
        var subscription = new ChannelSubscription(channel, name, queue, deliver);
        subscription.Pump = Task.Run(() => PumpAsync(subscription, previous), CancellationToken.None);
        _subscriptions[name] = subscription;
    }

    /// <summary>Stops a subscription's deliveries and unsubscribes it; a later subscription of the same channel starts
    /// delivering only after this one's pump is done.</summary>
    private async Task RetireAsync(ChannelSubscription subscription)
    {
        await subscription.Stop.CancelAsync().ConfigureAwait(false);
        var pump = subscription.Pump;
        _retiredPumps[subscription.Name] = pump;
        _ = pump.ContinueWith(
            (_, state) => _retiredPumps.TryRemove(new KeyValuePair<string, Task>(((ChannelSubscription)state!).Name, pump)),
            subscription, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        try
        {
            await subscription.Queue.UnsubscribeAsync().WaitAsync(_options.ConnectTimeout).ConfigureAwait(false);
        }
        catch (Exception error)
        {
            // the queue is detached locally whatever the server said
            Log.BackgroundFailed(_logger, NodeId, error);
        }
    }

    private async Task PumpAsync(ChannelSubscription subscription, Task previous)
    {
        try
        {
            await previous.ConfigureAwait(false);
        }
        catch (Exception error)
        {
            Log.BackgroundFailed(_logger, NodeId, error);
        }

        var token = subscription.Stop.Token;
        while (!token.IsCancellationRequested)
        {
            ChannelMessage next;
            try
            {
                next = await subscription.Queue.ReadAsync(token).ConfigureAwait(false);
            }
            catch (Exception error) when (error is ChannelClosedException or OperationCanceledException)
            {
                return;
            }
            catch (Exception error)
            {
                Log.BackgroundFailed(_logger, NodeId, error);
                return;
            }

            if (token.IsCancellationRequested)
            {
                return;
            }

            ReadOnlyMemory<byte> frame = next.Message;
            try
            {
                if (!frame.IsEmpty && frame.Span[0] == RedisFrames.Probe)
                {
                    OnProbeFrame(frame.Span);
                }
                else
                {
                    await subscription.Deliver(frame).ConfigureAwait(false);
                    if (!(subscription.Queue.TryGetCount(out var waiting) && waiting > 0))
                    {
                        _handler!.OnPublicationsDrained();   // the end of a run: the node writes it in one go
                    }
                }
            }
            catch (Exception error)
            {
                Log.DeliveryFailed(_logger, NodeId, subscription.Name, error);
            }

            subscription.CountDelivered();
        }
    }

    private ValueTask OnPublicationFrameAsync(string topic, ReadOnlyMemory<byte> frame)
    {
        if (!RedisFrames.TryDecodePublication(frame, out var offset, out var epoch, out var message, out var node, out var except))
        {
            Log.MalformedFrame(_logger, NodeId, TopicChannel(topic));
            return ValueTask.CompletedTask;
        }

        return _handler!.OnPublicationAsync(new TopicPublication(topic, offset, epoch, message, node) { Except = except });
    }

    private ValueTask OnBroadcastFrameAsync(ReadOnlyMemory<byte> frame)
    {
        if (!RedisFrames.TryDecodeBroadcast(frame, out var node, out var except, out var filter, out var message))
        {
            Log.MalformedFrame(_logger, NodeId, _broadcastChannel.ToString());
            return ValueTask.CompletedTask;
        }

        return node == NodeId ? ValueTask.CompletedTask : _handler!.OnBroadcastAsync(new BackplaneMessage(message, node, except, filter));
    }

    private ValueTask OnMembershipFrameAsync(ReadOnlyMemory<byte> frame)
    {
        if (!RedisFrames.TryDecodeMembership(frame.Span, out var joined, out var node, out var id, out var topic))
        {
            Log.MalformedFrame(_logger, NodeId, _presenceChannel.ToString());
        }
        else if (node != NodeId)
        {
            _handler!.OnMembership(topic, new ClusterMember(node, id), joined);
        }

        return ValueTask.CompletedTask;
    }

    private void OnProbeFrame(ReadOnlySpan<byte> frame)
    {
        if (RedisFrames.TryDecodeProbe(frame, out var node, out var nonce) && node == NodeId && _probes.TryRemove(nonce, out var probe))
        {
            probe.TrySetResult();
        }
    }

    private void OnConnectionFailed(object? sender, ConnectionFailedEventArgs e)
    {
        if (Volatile.Read(ref _state) is not (Starting or Started) || _crashed)
        {
            return;
        }

        Interlocked.Increment(ref _failures);
        RedisMetrics.ConnectionFailed();
        if (Interlocked.Exchange(ref _lost, 1) == 1)
        {
            return;
        }

        Log.ConnectionLost(_logger, NodeId, e.ConnectionType.ToString(), e.FailureType.ToString(), e.Exception);
        try
        {
            _handler?.OnConnectionLost(e.Exception ?? new BackplaneUnavailableException($"The connection to Redis at {_endPoint} failed: {e.FailureType}."));
        }
        catch (Exception error)
        {
            Log.HandlerFailed(_logger, NodeId, error);
        }
    }

    private void OnConnectionRestored(object? sender, ConnectionFailedEventArgs e)
    {
        if (Volatile.Read(ref _state) != Started || _crashed || Volatile.Read(ref _lost) == 0)
        {
            return;
        }

        StartRestoring();
    }

    /// <summary>Runs a restoration in the background unless one is running (never on the heartbeat's own time: a long
    /// restoration must not stop the heartbeat, or the other nodes would declare this one dead).</summary>
    private void StartRestoring()
    {
        lock (_restoreGate)
        {
            if (_restoring.IsCompleted)
            {
                _restoring = Task.Run(RestoreAsync, CancellationToken.None);
            }
        }
    }

    /// <summary>After an outage: registers the node and its members again, proves every subscription live, then tells
    /// the handler. One at a time (<see cref="StartRestoring"/>); a failed attempt is retried on the next heartbeat or
    /// restored connection.</summary>
    private async Task RestoreAsync()
    {
        try
        {
            while (Volatile.Read(ref _lost) == 1 && Volatile.Read(ref _state) == Started && !_crashed
                && _connection is { IsConnected: true })
            {
                var failures = Interlocked.Read(ref _failures);
                try
                {
                    await WriteHeartbeatAsync(CancellationToken.None).ConfigureAwait(false);
                    await SyncPresenceAsync().ConfigureAwait(false);
                    await ProveSubscriptionsAsync().ConfigureAwait(false);
                }
                catch (Exception error)
                {
                    Log.RestoreFailed(_logger, NodeId, error);
                    return;
                }

                if (Interlocked.Read(ref _failures) != failures)
                {
                    continue;
                }

                if (Interlocked.CompareExchange(ref _lost, 0, 1) == 1)
                {
                    Log.ConnectionRestored(_logger, NodeId);
                    RedisMetrics.Restored();
                    try
                    {
                        _handler?.OnConnectionRestored();
                    }
                    catch (Exception error)
                    {
                        Log.HandlerFailed(_logger, NodeId, error);
                    }
                }

                return;
            }
        }
        catch (Exception error)
        {
            Log.RestoreFailed(_logger, NodeId, error);
        }
    }

    /// <summary>Sends a probe on every subscribed channel and waits for each to come back through its pump; a channel
    /// whose probe does not come back is subscribed again (once) and probed again.</summary>
    private async Task ProveSubscriptionsAsync()
    {
        var failed = new ConcurrentBag<ChannelSubscription>();
        await Task.WhenAll(_subscriptions.Values.Select(async subscription =>
        {
            if (!await ProbeAsync(subscription).ConfigureAwait(false))
            {
                failed.Add(subscription);
            }
        })).ConfigureAwait(false);
        foreach (var subscription in failed)
        {
            if (_connection is not { IsConnected: true })
            {
                throw new BackplaneUnavailableException($"Redis at {_endPoint} is unreachable again.");
            }

            if (!_subscriber!.IsConnected(subscription.Channel))
            {
                throw new BackplaneUnavailableException($"Redis at {_endPoint}: the subscription connection is not back yet.");
            }

            Log.Resubscribing(_logger, NodeId, subscription.Name);
            await _subscriptionLock.WaitAsync().ConfigureAwait(false);
            try
            {
                if (_subscriptions.TryGetValue(subscription.Name, out var current) && current == subscription)
                {
                    // The retired subscription stays registered until a new one replaces it, so that a failure here
                    // leaves the channel to the next restoration attempt instead of dropping it.
                    await RetireAsync(subscription).ConfigureAwait(false);
                    await SubscribeChannelAsync(subscription.Channel, subscription.Deliver, CancellationToken.None).ConfigureAwait(false);
                }

                current = _subscriptions.GetValueOrDefault(subscription.Name);
                if (current is not null && !await ProbeAsync(current).ConfigureAwait(false))
                {
                    throw new BackplaneUnavailableException($"Redis at {_endPoint}: channel {subscription.Name} does not deliver.");
                }
            }
            finally
            {
                _subscriptionLock.Release();
            }
        }
    }

    private async Task<bool> ProbeAsync(ChannelSubscription subscription)
    {
        var nonce = NewId();
        var arrived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _probes[nonce] = arrived;
        try
        {
            await Database.PublishAsync(subscription.Channel, RedisFrames.EncodeProbe(NodeId, nonce)).ConfigureAwait(false);
            while (true)
            {
                // The probe queues behind whatever the channel delivered before it: while the pump gets through
                // that backlog (a slow handler), the subscription is alive, so the wait goes on.
                var delivered = subscription.Delivered;
                try
                {
                    await arrived.Task.WaitAsync(_options.ConnectTimeout, _stopping.Token).ConfigureAwait(false);
                    return true;
                }
                catch (TimeoutException) when (subscription.Delivered != delivered)
                {
                }
            }
        }
        catch (Exception error) when (error is TimeoutException || IsUnavailable(error))
        {
            return false;
        }
        finally
        {
            _probes.TryRemove(nonce, out _);
        }
    }

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

    /// <summary>Awaits a Redis call under a cancellation token (the call itself cannot be cancelled: its outcome is
    /// observed even when the caller gave up), mapping an unreachable Redis to
    /// <see cref="BackplaneUnavailableException"/>.</summary>
    private async Task<T> RunAsync<T>(Task<T> call, CancellationToken cancellationToken)
    {
        try
        {
            return cancellationToken.CanBeCanceled
                ? await call.WaitAsync(cancellationToken).ConfigureAwait(false)
                : await call.ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested && !call.IsCompleted)
        {
            Observe(call);
            throw;
        }
        catch (Exception error) when (IsUnavailable(error) && error is not BackplaneUnavailableException)
        {
            throw Unavailable(error);
        }
    }

    private BackplaneUnavailableException Unavailable(Exception error) =>
        new($"Redis at {_endPoint} is unreachable: {error.Message}", error);

    private static bool IsUnavailable(Exception error) => error switch
    {
        BackplaneUnavailableException or RedisConnectionException or RedisTimeoutException => true,
        RedisServerException server => server.Message.StartsWith("LOADING", StringComparison.Ordinal)
            || server.Message.StartsWith("BUSY", StringComparison.Ordinal)
            || server.Message.StartsWith("READONLY", StringComparison.Ordinal)
            || server.Message.StartsWith("MASTERDOWN", StringComparison.Ordinal)
            || server.Message.StartsWith("TRYAGAIN", StringComparison.Ordinal),
        _ => false,
    };

    /// <summary>Drops every local registration of <paramref name="channel"/> in the multiplexer (this node holds at most
    /// one, and none when this is called); the server side needs no answer.</summary>
    private static void Forget(ISubscriber subscriber, RedisChannel channel)
    {
        try
        {
            Observe(subscriber.UnsubscribeAsync(channel));
        }
        catch (Exception error) when (error is RedisException or ObjectDisposedException)
        {
            // nothing registered is left behind either way
        }
    }

    private static void Observe(Task task) =>
        _ = task.ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);

    private static async Task Quietly(Task task, TimeSpan bound)
    {
        try
        {
            await task.WaitAsync(bound).ConfigureAwait(false);
        }
        catch (Exception)
        {
            // disposal never throws; a task still running is observed below
        }

        if (!task.IsCompleted)
        {
            Observe(task);
        }
    }

    private string TopicChannel(string topic) => _prefix + ":t:" + topic + ":pub";

    private RedisKey TopicKey(string topic, string part) => new(_prefix + ":t:" + topic + ":" + part);

    /// <summary>Splits "a|123" at its last '|'.</summary>
    private static bool TrySplitMember(string value, out string head, out long id)
    {
        head = string.Empty;
        id = 0;
        var bar = value.LastIndexOf('|');
        if (bar < 0 || !long.TryParse(value.AsSpan(bar + 1), NumberStyles.None, CultureInfo.InvariantCulture, out id))
        {
            return false;
        }

        head = value[..bar];
        return true;
    }

    private static string NewId() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6));

    private static string FormatEndPoints(IEnumerable<EndPoint> endPoints)
    {
        var text = string.Join(",", endPoints.Select(endPoint => endPoint switch
        {
            DnsEndPoint dns => dns.Host + ":" + dns.Port.ToString(CultureInfo.InvariantCulture),
            _ => endPoint.ToString(),
        }));
        return text.Length == 0 ? "(no endpoint)" : text;
    }

    private sealed class ChannelSubscription(RedisChannel channel, string name, ChannelMessageQueue queue, Func<ReadOnlyMemory<byte>, ValueTask> deliver)
    {
        public RedisChannel Channel { get; } = channel;

        public string Name { get; } = name;

        public ChannelMessageQueue Queue { get; } = queue;

        public Func<ReadOnlyMemory<byte>, ValueTask> Deliver { get; } = deliver;

        public CancellationTokenSource Stop { get; } = new();

        private long _delivered;

        public Task Pump { get; set; } = Task.CompletedTask;

        /// <summary>How many frames the pump has handled (progress, for probes).</summary>
        public long Delivered => Volatile.Read(ref _delivered);

        public void CountDelivered() => Interlocked.Increment(ref _delivered);
    }
}
