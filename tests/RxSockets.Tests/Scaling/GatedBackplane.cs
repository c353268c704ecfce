using RxSockets.Scaling;

namespace RxSockets.Tests.Scaling;

/// <summary>A node of an <see cref="InProcessCluster"/> whose publications reach this node's server only when the
/// test opens the gate, while the cluster's history already holds them: the window in which a recovering member can
/// read from the history what its live delivery has yet to bring.</summary>
internal sealed class GatedBackplane(InProcessCluster cluster, string nodeId) : IBackplane
{
    private readonly InProcessBackplane _inner = new(cluster, nodeId);
    private TaskCompletionSource _gate = Open();

    /// <summary>Completes when a publication waits at the closed gate (it is in the history by then).</summary>
    public TaskCompletionSource Waiting { get; private set; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public string NodeId => _inner.NodeId;

    public void Close()
    {
        Waiting = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    public void Reopen() => _gate.TrySetResult();

    public ValueTask StartAsync(IBackplaneHandler handler, CancellationToken cancellationToken) =>
        _inner.StartAsync(new Handler(this, handler), cancellationToken);

    public ValueTask SubscribeAsync(string topic, CancellationToken cancellationToken) => _inner.SubscribeAsync(topic, cancellationToken);

    public ValueTask UnsubscribeAsync(string topic, CancellationToken cancellationToken) => _inner.UnsubscribeAsync(topic, cancellationToken);

    public ValueTask<TopicPosition> PublishAsync(string topic, BackplaneMessage message, TopicHistoryLimits history, CancellationToken cancellationToken) =>
        _inner.PublishAsync(topic, message, history, cancellationToken);

    public ValueTask<TopicHistoryPage> ReadHistoryAsync(string topic, TopicPosition since, CancellationToken cancellationToken) =>
        _inner.ReadHistoryAsync(topic, since, cancellationToken);

    public ValueTask<TopicPosition> GetPositionAsync(string topic, CancellationToken cancellationToken) => _inner.GetPositionAsync(topic, cancellationToken);

    public ValueTask BroadcastAsync(BackplaneMessage message, CancellationToken cancellationToken) => _inner.BroadcastAsync(message, cancellationToken);

    public ValueTask JoinAsync(string topic, long connectionId, CancellationToken cancellationToken) => _inner.JoinAsync(topic, connectionId, cancellationToken);

    public ValueTask LeaveAsync(string topic, long connectionId, CancellationToken cancellationToken) => _inner.LeaveAsync(topic, connectionId, cancellationToken);

    public ValueTask<IReadOnlyList<ClusterMember>> GetMembersAsync(string topic, CancellationToken cancellationToken) => _inner.GetMembersAsync(topic, cancellationToken);

    public ValueTask<long> GetMemberCountAsync(string topic, CancellationToken cancellationToken) => _inner.GetMemberCountAsync(topic, cancellationToken);

    public ValueTask<long> GetClientCountAsync(CancellationToken cancellationToken) => _inner.GetClientCountAsync(cancellationToken);

    public ValueTask DisposeAsync()
    {
        Reopen();
        return _inner.DisposeAsync();
    }

    private static TaskCompletionSource Open()
    {
        var open = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        open.SetResult();
        return open;
    }

    private sealed class Handler(GatedBackplane owner, IBackplaneHandler inner) : IBackplaneHandler
    {
        public int LocalClientCount => inner.LocalClientCount;

        public async ValueTask OnPublicationAsync(TopicPublication publication)
        {
            var gate = owner._gate;
            if (!gate.Task.IsCompleted)
            {
                owner.Waiting.TrySetResult();
                await gate.Task.ConfigureAwait(false);
            }

            await inner.OnPublicationAsync(publication).ConfigureAwait(false);
        }

        public void OnPublicationsDrained() => inner.OnPublicationsDrained();

        public ValueTask OnBroadcastAsync(BackplaneMessage message) => inner.OnBroadcastAsync(message);

        public void OnMembership(string topic, ClusterMember member, bool joined) => inner.OnMembership(topic, member, joined);

        public void OnConnectionLost(Exception reason) => inner.OnConnectionLost(reason);

        public void OnConnectionRestored() => inner.OnConnectionRestored();
    }
}
