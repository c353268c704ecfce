namespace RxSockets;

/// <summary>Why members of a topic may have missed publications.</summary>
public enum TopicGapReason
{
    /// <summary>The node lost its backplane connection: publications made on other nodes meanwhile did not reach it.</summary>
    BackplaneLost,

    /// <summary>The topic's epoch is not the one the member knew: its history was lost (the backplane restarted empty,
    /// or the stream was deleted), so what it missed cannot be told.</summary>
    EpochChanged,

    /// <summary>The history no longer reaches back to the member's position (trimmed by count or age, or the topic keeps
    /// none).</summary>
    HistoryTrimmed,
}

/// <summary>Members of a topic on this node may have missed publications that cannot be delivered any more: the
/// explicit signal that replaces a silent gap. They go on with live publications.</summary>
/// <param name="Topic">The topic.</param>
/// <param name="Connection">The member concerned, or null when every member of the topic on this node is (a backplane
/// loss).</param>
/// <param name="LastPosition">The last position the member (or this node) had before the gap.</param>
/// <param name="CurrentPosition">The topic's position as far as this node knows it, from which live publications go
/// on; its offset is 0 and its epoch empty when the backplane is unreachable.</param>
/// <param name="Reason">Why.</param>
public sealed record TopicGap(WebSocketTopic Topic, WebSocketConnection? Connection, TopicPosition LastPosition, TopicPosition CurrentPosition, TopicGapReason Reason);
