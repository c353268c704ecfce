namespace RxSockets;

/// <summary>A connection joined or left a <see cref="WebSocketTopic"/>.</summary>
/// <param name="Topic">The topic.</param>
/// <param name="Connection">The connection that joined or left.</param>
/// <param name="Joined">True when it joined, false when it left (or closed, which leaves every topic).</param>
/// <param name="Count">The topic's member count right after the change.</param>
public readonly record struct TopicMembershipChange(WebSocketTopic Topic, WebSocketConnection Connection, bool Joined, int Count);
