namespace RxSockets;

/// <summary>A connection joined or left a <see cref="WebSocketTopic"/>, on this node or, with a cluster backplane, on
/// another.</summary>
/// <param name="Topic">The topic.</param>
/// <param name="Connection">The connection that joined or left when it is this node's; null for a connection of
/// another node (see <see cref="Member"/>).</param>
/// <param name="Joined">True when it joined, false when it left (or closed, which leaves every topic, or its node was
/// declared dead).</param>
/// <param name="Count">This node's member count right after the change (unchanged by another node's change; the
/// cluster-wide count is <see cref="WebSocketTopic.GetMemberCountAsync"/>).</param>
public readonly record struct TopicMembershipChange(WebSocketTopic Topic, WebSocketConnection? Connection, bool Joined, int Count)
{
    /// <summary>The connection, by node and id, wherever it is.</summary>
    public ClusterMember Member { get; init; }

    /// <summary>True when the connection is this node's (<see cref="Connection"/> is set).</summary>
    public bool IsLocal => Connection is not null;
}
