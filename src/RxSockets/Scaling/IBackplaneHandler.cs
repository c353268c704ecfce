namespace RxSockets.Scaling;

/// <summary>What a <see cref="IBackplane"/> delivers to its node (the server implements it). See
/// <see cref="IBackplane"/> for the order and concurrency of the calls.</summary>
public interface IBackplaneHandler
{
    /// <summary>The number of clients connected to this node now (read on every heartbeat).</summary>
    int LocalClientCount { get; }

    /// <summary>A publication of a subscribed topic (this node's own included), in offset order per topic.</summary>
    /// <returns>Completes when the node has taken it; the backplane waits before delivering the topic's next one.</returns>
    ValueTask OnPublicationAsync(TopicPublication publication);

    /// <summary>No publication is waiting to be delivered right now: the end of a run of
    /// <see cref="OnPublicationAsync"/> calls. The node writes what the run queued for its members then, on this thread,
    /// so a burst leaves each connection in one write. A backplane that calls it must call it after every run (a
    /// backplane that never calls it still works: the node then wakes its writers on the thread pool).</summary>
    void OnPublicationsDrained();

    /// <summary>A broadcast made on another node.</summary>
    /// <returns>Completes when the node has taken it.</returns>
    ValueTask OnBroadcastAsync(BackplaneMessage message);

    /// <summary>A connection of another node joined or left a topic (leaves include those of a node declared dead).</summary>
    /// <param name="topic">The topic's name.</param>
    /// <param name="member">The connection.</param>
    /// <param name="joined">True for a join.</param>
    void OnMembership(string topic, ClusterMember member, bool joined);

    /// <summary>The link to the cluster broke: publications and broadcasts of other nodes may be missed until
    /// <see cref="OnConnectionRestored"/>.</summary>
    /// <param name="reason">Why.</param>
    void OnConnectionLost(Exception reason);

    /// <summary>The link to the cluster is back and every subscription is live again.</summary>
    void OnConnectionRestored();
}
