namespace RxSockets.Demo;

/// <summary>One trade on the feed.</summary>
/// <param name="Symbol">The instrument.</param>
/// <param name="Price">The trade price.</param>
/// <param name="Volume">How many shares changed hands.</param>
public sealed record Tick(string Symbol, decimal Price, int Volume);
