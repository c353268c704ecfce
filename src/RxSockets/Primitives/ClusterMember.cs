namespace RxSockets;

/// <summary>A connection anywhere in the cluster: the node that holds it and its <see cref="WebSocketConnection.Id"/>
/// there.</summary>
/// <param name="Node">The node's id (<see cref="WebSocketServer.NodeId"/>).</param>
/// <param name="ConnectionId">The connection's id on that node.</param>
public readonly record struct ClusterMember(string Node, long ConnectionId)
{
    /// <summary>"node/id".</summary>
    public override string ToString() => $"{Node}/{ConnectionId}";
}
