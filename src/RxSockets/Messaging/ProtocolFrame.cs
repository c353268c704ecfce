namespace RxSockets.Messaging;

/// <summary>One <c>rxsockets.v1</c> frame: its header fields and its payload (the README's "Messaging protocol"). Which
/// fields a kind needs is checked by <see cref="ProtocolCodec"/> on both encode and decode.</summary>
/// <param name="Kind">The frame's kind.</param>
internal sealed record ProtocolFrame(FrameKind Kind)
{
    /// <summary>The correlation id (≥ 1) of a request-like frame and its answer; 0 when the kind has none.</summary>
    public long Id { get; init; }

    /// <summary>The topic, for the kinds that name one.</summary>
    public string? Topic { get; init; }

    /// <summary><c>pos</c>: a subscription's start or standing, a publication's or acknowledgment's position, or the
    /// last position a gap's subscriber had.</summary>
    public TopicPosition? Position { get; init; }

    /// <summary><c>cur</c>: where a gap's subscription goes on live.</summary>
    public TopicPosition? Current { get; init; }

    /// <summary><c>recovered</c>: how many missed publications a subscription received before its <c>subok</c>.</summary>
    public long Recovered { get; init; }

    /// <summary>A request's route, optional.</summary>
    public string? Name { get; init; }

    /// <summary>An error's code (<see cref="MessagingErrorCodes"/>).</summary>
    public string? Code { get; init; }

    /// <summary>An error's or a gap's reason.</summary>
    public string? Reason { get; init; }

    /// <summary>The application's payload: its type is the WebSocket message's type; null for none (an empty text).</summary>
    public Message? Payload { get; init; }
}
