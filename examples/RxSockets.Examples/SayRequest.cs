namespace RxSockets.Examples;

/// <summary>A request of <see cref="JsonRoutingExample"/>: say something.</summary>
/// <param name="User">Who speaks.</param>
/// <param name="Text">What they say.</param>
public sealed record SayRequest(string User, string Text)
{
    /// <summary>The discriminator the router switches on.</summary>
    public string Type { get; init; } = "say";
}
