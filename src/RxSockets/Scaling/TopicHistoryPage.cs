namespace RxSockets.Scaling;

/// <summary>What <see cref="IBackplane.ReadHistoryAsync"/> read.</summary>
/// <param name="Position">The topic's current position.</param>
/// <param name="Publications">The publications after the position asked for, oldest first; empty when
/// <paramref name="Complete"/> is false.</param>
/// <param name="Complete">True when the epoch matched and nothing after the position asked for is missing.</param>
public sealed record TopicHistoryPage(TopicPosition Position, IReadOnlyList<TopicPublication> Publications, bool Complete);
