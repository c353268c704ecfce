namespace RxSockets.Scaling;

/// <summary>How much of a topic's stream its history keeps (see <see cref="TopicOptions"/>).</summary>
/// <param name="Size">The most publications kept; 0 keeps none.</param>
/// <param name="Ttl">How long each is kept; zero for no age limit.</param>
public readonly record struct TopicHistoryLimits(int Size, TimeSpan Ttl);
