namespace RxSockets;

/// <summary>How a topic keeps its history and what its members receive. Give every node of a cluster the same options
/// for the same topic (see <see cref="WebSocketServerOptions.ConfigureTopic"/>): a publication is kept as the options of
/// the node that published it say.</summary>
public sealed class TopicOptions
{
    /// <summary>The most publications the topic's history keeps (in the backplane: a Redis stream with the Redis
    /// backplane); 0 keeps none, so a member cannot recover what it missed.</summary>
    /// <value>The default is 0.</value>
    public int HistorySize { get; set; }

    /// <summary>How long a publication stays in the history; <see cref="TimeSpan.Zero"/> keeps it until
    /// <see cref="HistorySize"/> pushes it out.</summary>
    /// <value>The default is zero.</value>
    public TimeSpan HistoryTtl { get; set; }

    /// <summary>Turns a publication into the message its members receive, once per publication on each node (so the
    /// member can learn its <see cref="TopicPublication.Position"/>, for instance in a JSON envelope); null sends the
    /// published message as it is.</summary>
    /// <value>The default is null.</value>
    public Func<TopicPublication, Message>? Format { get; set; }

    /// <summary>The message sent to the members a <see cref="TopicGap"/> concerns, or null to send none (the gap is still
    /// reported on <see cref="WebSocketTopic.Gaps"/> and, for a join, in its result).</summary>
    /// <value>The default is null.</value>
    public Func<TopicGap, Message?>? GapNotice { get; set; }

    /// <summary>The most live publications a member that joins from a position keeps while it is sent what it missed
    /// (<see cref="WebSocketTopic.JoinAsync"/>). Past this count, or <see cref="RecoveryBufferBytes"/>, the kept ones
    /// are let go and read again from the history once the missed ones were sent, so a slow recovery costs at most this
    /// much memory per member; when the history no longer has them, the member is told of a gap as for any join.</summary>
    /// <value>The default is 1,024.</value>
    public int RecoveryBufferSize { get; set; } = 1024;

    /// <summary>The most bytes of live publications (payloads, framed once per node and shared by its members) a
    /// recovering member keeps; see <see cref="RecoveryBufferSize"/>. A single publication larger than this is still
    /// kept when it is the only one.</summary>
    /// <value>The default is 4 MiB.</value>
    public long RecoveryBufferBytes { get; set; } = 4 * 1024 * 1024;

    internal void Validate(string property)
    {
        if (RecoveryBufferSize < 1)
        {
            throw new ArgumentException($"{property}.{nameof(RecoveryBufferSize)} must be positive.", property);
        }

        if (RecoveryBufferBytes < 1)
        {
            throw new ArgumentException($"{property}.{nameof(RecoveryBufferBytes)} must be positive.", property);
        }

        if (HistorySize < 0)
        {
            throw new ArgumentException($"{property}.{nameof(HistorySize)} must be 0 (no history) or positive.", property);
        }

        if (HistoryTtl < TimeSpan.Zero)
        {
            throw new ArgumentException($"{property}.{nameof(HistoryTtl)} must be zero (no age limit) or positive.", property);
        }

        if (HistoryTtl > TimeSpan.Zero && HistorySize == 0)
        {
            throw new ArgumentException($"{property}.{nameof(HistoryTtl)} needs {nameof(HistorySize)}: a topic without history keeps nothing to expire.", property);
        }
    }

    internal TopicOptions Clone() => (TopicOptions)MemberwiseClone();
}
