using RxSockets.Transport;

namespace RxSockets.Topics;

/// <summary>How a topic frames what it sends the members that speak a protocol over it (<see cref="TopicMember.Protocol"/>):
/// the messaging protocol's <c>p</c> and <c>gap</c> frames. Handed to the topics by their host: the messaging protocol
/// uses topics and sits above them, so topics know it only through this. Stateless and thread-safe.</summary>
internal interface ITopicProtocol
{
    /// <summary>A publication, framed once for all of a node's protocol members.</summary>
    PreparedFrame Publication(TopicPublication publication, int fragmentSize);

    /// <summary>A gap, as the protocol tells it.</summary>
    PreparedFrame Gap(TopicGap gap, int fragmentSize);
}
