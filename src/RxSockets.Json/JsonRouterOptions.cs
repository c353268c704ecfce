namespace RxSockets.Json;

/// <summary>Options of a <see cref="JsonMessageRouter"/>; validated and copied when the router is created.</summary>
public sealed class JsonRouterOptions
{
    /// <summary>The top-level property whose string value selects the route.</summary>
    /// <value>The default is <c>"type"</c>. Matched exactly (case-sensitive), like its values.</value>
    public string DiscriminatorProperty { get; set; } = "type";

    /// <summary>The discriminator value of the replies sent by <see cref="JsonMessageRouter.ReplyToDeadLetters"/>.</summary>
    /// <value>The default is <c>"error"</c>.</value>
    public string ErrorType { get; set; } = "error";
}
