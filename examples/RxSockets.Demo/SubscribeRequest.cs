namespace RxSockets.Demo;

/// <summary>What a client sends to start receiving the feed.</summary>
/// <param name="Symbols">The symbols wanted; empty for all.</param>
public sealed record SubscribeRequest(IReadOnlyList<string> Symbols);
