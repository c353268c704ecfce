namespace RxSockets;

/// <summary>A message published to a topic, as every node delivers it: with its place in the topic's stream.</summary>
/// <param name="Topic">The topic's name.</param>
/// <param name="Offset">The publication's offset, one more than the previous publication's in the same epoch; 0 when it
/// has none (published on this node while the backplane was unreachable: delivered only here).</param>
/// <param name="Epoch">The topic's epoch when it was published; empty when it has no offset.</param>
/// <param name="Message">The message.</param>
/// <param name="Node">The node it was published on.</param>
public readonly record struct TopicPublication(string Topic, long Offset, string Epoch, Message Message, string Node)
{
    /// <summary>The connection of <see cref="Node"/> that must not receive it (its sender, as the <c>except</c> of
    /// <see cref="WebSocketTopic.PublishAsync(Message, WebSocketConnection?, CancellationToken)"/> said), or null.</summary>
    public long? Except { get; init; }

    /// <summary>Where a member stands after receiving this publication.</summary>
    public TopicPosition Position => new(Offset, Epoch);
}
