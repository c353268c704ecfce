using RxSockets.Topics;
using RxSockets.Transport;

namespace RxSockets.Messaging;

/// <summary>What a topic sends its <c>rxsockets.v1</c> members (the README's "Messaging protocol"): a publication as a
/// <c>p</c> frame (topic, position, the published message as its payload — <see cref="TopicOptions.Format"/> is for
/// raw members), a gap as a <c>gap</c> frame. Framed once per publication for all of a node's protocol members.
/// The server hands it to its topics (<see cref="ITopicProtocol"/>). Stateless and thread-safe.</summary>
internal sealed class ProtocolTopicFrames : ITopicProtocol
{
    private ProtocolTopicFrames()
    {
    }

    public static ProtocolTopicFrames Instance { get; } = new();

    public PreparedFrame Publication(TopicPublication publication, int fragmentSize) =>
        PreparedFrame.Create(ProtocolCodec.Encode(new ProtocolFrame(FrameKind.Publication)
        {
            Topic = publication.Topic,
            Position = publication.Position,
            Payload = publication.Message,
        }), fragmentSize);

    public PreparedFrame Gap(TopicGap gap, int fragmentSize) =>
        PreparedFrame.Create(ProtocolCodec.Encode(new ProtocolFrame(FrameKind.Gap)
        {
            Topic = gap.Topic.Name,
            Position = gap.LastPosition,
            Current = gap.CurrentPosition,
            Reason = gap.Reason switch
            {
                TopicGapReason.HistoryTrimmed => "trimmed",
                TopicGapReason.EpochChanged => "epoch",
                _ => "unavailable",
            },
        }), fragmentSize);
}
