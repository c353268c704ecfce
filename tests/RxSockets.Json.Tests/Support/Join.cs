namespace RxSockets.Json.Tests.Support;

public sealed record Join(string Room);
