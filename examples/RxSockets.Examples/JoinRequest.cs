namespace RxSockets.Examples;

/// <summary>A request of <see cref="JsonRoutingExample"/>: join a room.</summary>
/// <param name="Room">The room.</param>
public sealed record JoinRequest(string Room)
{
    /// <summary>The discriminator the router switches on.</summary>
    public string Type { get; init; } = "join";
}
