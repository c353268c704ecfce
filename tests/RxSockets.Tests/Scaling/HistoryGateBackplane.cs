using RxSockets.Scaling;

namespace RxSockets.Tests.Scaling;

/// <summary>An <see cref="InProcessBackplane"/> whose first history read takes its page at once but hands it over only
/// when the test opens the gate, so that live publications pile up for a member that is still recovering. Records the
/// position every read started from.</summary>
internal sealed class HistoryGateBackplane(InProcessBackplane inner) : IBackplane
{
    private readonly TaskCompletionSource _gate = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _firstRead = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _reads;

    public List<TopicPosition> Reads { get; } = [];

    /// <summary>Completes when the first history read has taken its page (and waits for <see cref="Open"/>).</summary>
    public Task FirstRead => _firstRead.Task;

    public string NodeId => inner.NodeId;

    public void Open() => _gate.TrySetResult();

    public async ValueTask<TopicHistoryPage> ReadHistoryAsync(string topic, TopicPosition since, CancellationToken cancellationToken)
    {
        lock (Reads)
        {
            Reads.Add(since);
        }

        var page = await inner.ReadHistoryAsync(topic, since, cancellationToken);
        if (Interlocked.Increment(ref _reads) == 1)
        {
            _firstRead.TrySetResult();
            await _gate.Task.WaitAsync(cancellationToken);
        }

        return page;
    }

    public ValueTask StartAsync(IBackplaneHandler handler, CancellationToken cancellationToken) => inner.StartAsync(handler, cancellationToken);

    public ValueTask SubscribeAsync(string topic, CancellationToken cancellationToken) => inner.SubscribeAsync(topic, cancellationToken);

    public ValueTask UnsubscribeAsync(string topic, CancellationToken cancellationToken) => inner.UnsubscribeAsync(topic, cancellationToken);

    public ValueTask<TopicPosition> PublishAsync(string topic, BackplaneMessage message, TopicHistoryLimits history, CancellationToken cancellationToken) =>
        inner.PublishAsync(topic, message, history, cancellationToken);

    public ValueTask<TopicPosition> GetPositionAsync(string topic, CancellationToken cancellationToken) => inner.GetPositionAsync(topic, cancellationToken);

    public ValueTask BroadcastAsync(BackplaneMessage message, CancellationToken cancellationToken) => inner.BroadcastAsync(message, cancellationToken);

    public ValueTask JoinAsync(string topic, long connectionId, CancellationToken cancellationToken) => inner.JoinAsync(topic, connectionId, cancellationToken);

    public ValueTask LeaveAsync(string topic, long connectionId, CancellationToken cancellationToken) => inner.LeaveAsync(topic, connectionId, cancellationToken);

    public ValueTask<IReadOnlyList<ClusterMember>> GetMembersAsync(string topic, CancellationToken cancellationToken) => inner.GetMembersAsync(topic, cancellationToken);

    public ValueTask<long> GetMemberCountAsync(string topic, CancellationToken cancellationToken) => inner.GetMemberCountAsync(topic, cancellationToken);

    public ValueTask<long> GetClientCountAsync(CancellationToken cancellationToken) => inner.GetClientCountAsync(cancellationToken);

    public ValueTask DisposeAsync() => inner.DisposeAsync();
}
