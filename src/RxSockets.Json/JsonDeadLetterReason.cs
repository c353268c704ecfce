namespace RxSockets.Json;

/// <summary>Why a <see cref="JsonMessageRouter"/> could not route a message.</summary>
public enum JsonDeadLetterReason
{
    /// <summary>The payload is not JSON.</summary>
    NotJson,

    /// <summary>The JSON is not an object with a string discriminator property (<c>"type"</c> by default).</summary>
    MissingDiscriminator,

    /// <summary>No route is registered for the discriminator's value.</summary>
    UnknownDiscriminator,

    /// <summary>The object did not bind to the route's type (a wrong or missing member, or JSON <c>null</c>).</summary>
    BindFailed,

    /// <summary>A subscriber of the route threw while handling the message; it was unsubscribed.</summary>
    HandlerFailed,
}
