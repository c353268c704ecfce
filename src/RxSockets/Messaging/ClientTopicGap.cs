namespace RxSockets;

/// <summary>A topic subscription of the messaging protocol missed publications that cannot be recovered (the server's
/// history no longer reaches back to the client's position, the topic's history was lost, or the backplane was
/// unreachable): the explicit signal that replaces a silent gap. The subscription goes on live from
/// <see cref="CurrentPosition"/>. Published on <see cref="ClientTopic.Gaps"/> and <see cref="WebSocketClient.Events"/>.</summary>
/// <param name="Time">When the client learned it, on the client's clock.</param>
/// <param name="Topic">The topic's name.</param>
/// <param name="LastPosition">The last position the client had before the gap.</param>
/// <param name="CurrentPosition">Where the subscription goes on live: publications after it follow.</param>
/// <param name="Reason">Why (<see cref="TopicGapReason.HistoryTrimmed"/>, <see cref="TopicGapReason.EpochChanged"/>, or
/// <see cref="TopicGapReason.BackplaneLost"/> when the server could not reach its history).</param>
public sealed record ClientTopicGap(DateTimeOffset Time, string Topic, TopicPosition LastPosition, TopicPosition CurrentPosition, TopicGapReason Reason)
    : ClientEvent(Time);
