namespace RxSockets.Json.Tests.Support;

public sealed record Tick(string Symbol, decimal Price);
