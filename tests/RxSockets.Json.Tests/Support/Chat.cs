namespace RxSockets.Json.Tests.Support;

public sealed record Chat(string User, string Text);
