using Microsoft.Extensions.Logging;
using RxSockets.Scaling;
using RxSockets.Topics;
using RxSockets.Transport;

namespace RxSockets.Server;

/// <summary>
/// A server's face towards its <see cref="IBackplane"/>: hands publications to the topics, remote broadcasts to the
/// local connections, remote joins and leaves to the topics' membership, and a lost backplane to every topic as a gap.
/// The topics' host too (<see cref="ITopicNode"/>): they deliver through this node's <see cref="BroadcastGate"/>.
/// </summary>
internal sealed class ClusterNode : IBackplaneHandler, ITopicNode
{
    private readonly ConnectionRegistry _registry;
    private readonly BroadcastGate _gate;
    private readonly WebSocketServerOptions _options;
    private readonly Func<WebSocketConnection, bool> _broadcastable;
    private readonly ILogger _logger;
    private TopicRegistry? _topics;
    private readonly Lock _starting = new();
    private readonly Reactive.StateObservable<bool> _connectivity = new(false);
    private Task? _started;

    public ClusterNode(IBackplane backplane, ConnectionRegistry registry, BroadcastGate gate, WebSocketServerOptions options,
        Func<WebSocketConnection, bool> broadcastable, ILogger logger)
    {
        Backplane = backplane;
        _registry = registry;
        _gate = gate;
        _options = options;
        _broadcastable = broadcastable;
        _logger = logger;
    }

    public IBackplane Backplane { get; }

    public string NodeId => Backplane.NodeId;

    public ILogger Logger => _logger;

    public ValueTask<int> DeliverAsync(PreparedFrame frame, IEnumerable<WebSocketConnection> recipients, WakeBatch? batch, CancellationToken cancellationToken) =>
        _gate.DeliverAsync(frame, recipients, null, batch, cancellationToken);

    public void ThrowIfStopped() => ObjectDisposedException.ThrowIf(Stopped, typeof(WebSocketServer));

    /// <summary>Wakes the writers of topic deliveries together (see <see cref="WakeBatch"/>).</summary>
    public WakeBatch Wakes { get; } = new();

    /// <summary>Wakes the writers of broadcasts together: at the end of the read being handled when a read loop
    /// broadcasts (a publisher's run of messages), otherwise by one thread-pool item per burst. Not
    /// <see cref="Wakes"/>: once the backplane flushes that one at the end of its runs, it no longer schedules itself,
    /// and a broadcast made here has no such run.</summary>
    private readonly WakeBatch _broadcastWakes = new(deferToReadBatch: true);

    public int FragmentSize => _options.FragmentSize;

    /// <summary>Whether the link to the cluster is up: false until started, and while the backplane is lost.</summary>
    public IObservable<bool> Connectivity => _connectivity;

    /// <summary>True once the server stopped and let its backplane go.</summary>
    public bool Stopped { get; private set; }

    /// <summary>Lets the backplane go (the server stopped): publishes waiting for their delivery here end with
    /// <see cref="ObjectDisposedException"/>, and later ones throw it.</summary>
    public async ValueTask StopAsync()
    {
        Stopped = true;
        await Backplane.DisposeAsync().ConfigureAwait(false);
        _connectivity.Set(false, final: true);
        foreach (var topic in _topics?.Snapshot ?? [])
        {
            topic.FailPending(new ObjectDisposedException(nameof(WebSocketServer), "The server has stopped: the publication may not have been delivered on this node."));
        }
    }

    public int LocalClientCount => _registry.Count;

    public void Attach(TopicRegistry topics) => _topics = topics;

    /// <summary>Starts the backplane once; later calls return the same task, unless it failed: then they try again.</summary>
    public Task StartAsync(CancellationToken cancellationToken)
    {
        lock (_starting)
        {
            return _started is { IsFaulted: false, IsCanceled: false } started ? started : _started = StartOnceAsync(cancellationToken);
        }
    }

    private async Task StartOnceAsync(CancellationToken cancellationToken)
    {
        await Backplane.StartAsync(this, cancellationToken).ConfigureAwait(false);
        _connectivity.SetIfChanged(true);
    }

    /// <summary>Throws when the backplane was never started (a detached server that skipped
    /// <see cref="WebSocketServer.ConnectBackplaneAsync"/>).</summary>
    public void EnsureStarted()
    {
        if (_started is not { IsCompletedSuccessfully: true })
        {
            throw new InvalidOperationException(
                "The server's backplane is not connected: a detached server with a backplane needs ConnectBackplaneAsync before topics are used.");
        }
    }

    public async ValueTask OnPublicationAsync(TopicPublication publication)
    {
        if (_topics is not null && _topics.TryGet(publication.Topic, out var topic))
        {
            await topic.DeliverAsync(publication).ConfigureAwait(false);
        }
    }

    public void OnPublicationsDrained() => Wakes.Flush();

    public async ValueTask OnBroadcastAsync(BackplaneMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (!TryAudience(message.Filter, null, out var audience))
        {
            Diagnostics.Log.UnknownBroadcastFilter(_logger, message.Filter!);
            return;
        }

        await BroadcastLocallyAsync(message.Message, audience, CancellationToken.None).ConfigureAwait(false);
    }

    /// <summary>Which of this node's connections a broadcast goes to: not <paramref name="except"/>, not those that
    /// carry a resumable session's numbered envelopes, and only those that pass the filter named
    /// <paramref name="filter"/> (<see cref="WebSocketServerOptions.BroadcastFilters"/>).</summary>
    /// <returns>False when this node has no filter of that name.</returns>
    public bool TryAudience(string? filter, WebSocketConnection? except, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out Func<WebSocketConnection, bool>? audience)
    {
        Func<WebSocketConnection, bool>? named = null;
        if (filter is not null && !_options.BroadcastFilters.TryGetValue(filter, out named))
        {
            audience = null;
            return false;
        }

        audience = connection => connection != except && _broadcastable(connection) && (named is null || named(connection));
        return true;
    }

    /// <summary>Frames <paramref name="message"/> once and queues it on this node's connections that pass
    /// <paramref name="audience"/> (all when null).</summary>
    /// <returns>The number of connections it was queued on.</returns>
    public ValueTask<int> BroadcastLocallyAsync(Message message, Func<WebSocketConnection, bool>? audience, CancellationToken cancellationToken)
    {
        // A pooled frame (its buffer back in the pool once the last recipient's writer has copied it), the cached
        // recipients array, and the writers woken by one thread-pool item per burst rather than one per recipient:
        // nothing is allocated per broadcast or per recipient in the steady state.
        var frame = PreparedFrame.Rent(message, _options.FragmentSize);
        var delivering = _gate.DeliverAsync(frame, _registry.BroadcastSnapshot, audience, _broadcastWakes, cancellationToken);
        if (delivering.IsCompletedSuccessfully)
        {
            frame.Release();
            return delivering;
        }

        return ReleaseAfterAsync(frame, delivering);
    }

    private static async ValueTask<int> ReleaseAfterAsync(PreparedFrame frame, ValueTask<int> delivering)
    {
        try
        {
            return await delivering.ConfigureAwait(false);
        }
        finally
        {
            frame.Release();
        }
    }

    public void OnMembership(string topic, ClusterMember member, bool joined)
    {
        if (_topics is not null && _topics.TryGet(topic, out var local))
        {
            local.OnRemoteMembership(member, joined);
        }
    }

    public void OnConnectionLost(Exception reason)
    {
        _connectivity.SetIfChanged(false);
        Diagnostics.Log.BackplaneLost(_logger, reason);
        foreach (var topic in _topics?.Snapshot ?? [])
        {
            topic.OnBackplaneLost();
        }
    }

    public void OnConnectionRestored()
    {
        _connectivity.SetIfChanged(true);
        Diagnostics.Log.BackplaneRestored(_logger);
    }
}
