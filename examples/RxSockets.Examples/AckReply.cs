namespace RxSockets.Examples;

/// <summary>The server's answer to a good request in <see cref="JsonRoutingExample"/>.</summary>
/// <param name="Text">What was done.</param>
public sealed record AckReply(string Text)
{
    /// <summary>The discriminator the router switches on.</summary>
    public string Type { get; init; } = "ack";
}
