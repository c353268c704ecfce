namespace RxSockets;

/// <summary>What <see cref="WebSocketTopic.JoinAsync"/> did.</summary>
/// <param name="Joined">True when the connection joined; false when it was already a member or is no longer open.</param>
/// <param name="Recovered">The number of missed publications delivered from the history before live ones.</param>
/// <param name="Position">The topic's position when the member went live: the last publication it has been sent.</param>
/// <param name="Gap">Null when nothing was missed, or everything missed was delivered; otherwise the explicit gap (the
/// history did not reach back far enough, or the epoch changed), after which the member goes on live.</param>
public readonly record struct TopicJoinResult(bool Joined, int Recovered, TopicPosition Position, TopicGap? Gap);
