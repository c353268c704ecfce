using System.Text;

namespace RxSockets.Json;

/// <summary>A message a <see cref="JsonMessageRouter"/> could not route, with the reason.</summary>
/// <remarks>Immutable and safe to share between threads.</remarks>
public sealed class JsonDeadLetter
{
    /// <summary>Creates the dead letter.</summary>
    /// <param name="rawMessage">The message exactly as received.</param>
    /// <param name="reason">Why it was not routed.</param>
    /// <param name="discriminator">The discriminator's value, when the message had one.</param>
    /// <param name="exception">The parser's, binder's or handler's error, when there was one.</param>
    public JsonDeadLetter(Message rawMessage, JsonDeadLetterReason reason, string? discriminator, Exception? exception)
    {
        RawMessage = rawMessage;
        Reason = reason;
        Discriminator = discriminator;
        Exception = exception;
    }

    /// <summary>The message exactly as received.</summary>
    public Message RawMessage { get; }

    /// <summary>The payload decoded as UTF-8, invalid bytes replaced with U+FFFD.</summary>
    public string RawText => Encoding.UTF8.GetString(RawMessage.Data.Span);

    /// <summary>Why the message was not routed.</summary>
    public JsonDeadLetterReason Reason { get; }

    /// <summary>The discriminator's value (such as <c>"chat"</c>); null when the message had none.</summary>
    public string? Discriminator { get; }

    /// <summary>The parser's, binder's or handler's error; null for a missing or unknown discriminator.</summary>
    public Exception? Exception { get; }

    /// <summary>A one-line description for people, such as "unknown type 'x'" or the parser's message.</summary>
    public string Description => Reason switch
    {
        JsonDeadLetterReason.MissingDiscriminator => "The message is not a JSON object with a string discriminator.",
        JsonDeadLetterReason.UnknownDiscriminator => $"Unknown message type '{Discriminator}'.",
        _ => Exception?.Message ?? Reason.ToString(),
    };

    /// <summary>"UnknownDiscriminator (Text message, 12 bytes): Unknown message type 'x'.".</summary>
    public override string ToString() => $"{Reason} ({RawMessage}): {Description}";
}
