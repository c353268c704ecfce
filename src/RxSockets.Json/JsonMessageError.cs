using System.Text;
using System.Text.Json;

namespace RxSockets.Json;

/// <summary>A message that could not be parsed as the expected JSON type, with its raw content and the cause.</summary>
/// <remarks>Immutable and safe to share between threads.</remarks>
public sealed class JsonMessageError
{
    /// <summary>Creates the error.</summary>
    /// <param name="rawMessage">The message that failed.</param>
    /// <param name="targetType">The type it was parsed as.</param>
    /// <param name="exception">The parser's error.</param>
    public JsonMessageError(Message rawMessage, Type targetType, JsonException exception)
    {
        ArgumentNullException.ThrowIfNull(targetType);
        ArgumentNullException.ThrowIfNull(exception);
        RawMessage = rawMessage;
        TargetType = targetType;
        Exception = exception;
    }

    /// <summary>The message exactly as received.</summary>
    public Message RawMessage { get; }

    /// <summary>The payload decoded as UTF-8, invalid bytes replaced with U+FFFD.</summary>
    public string RawText => Encoding.UTF8.GetString(RawMessage.Data.Span);

    /// <summary>The type the message was parsed as.</summary>
    public Type TargetType { get; }

    /// <summary>What the parser objected to (with line and byte position when it knows them).</summary>
    public JsonException Exception { get; }

    /// <summary>"Invalid JSON for Tick in Text message, 12 bytes: …".</summary>
    public override string ToString() => $"Invalid JSON for {TargetType.Name} in {RawMessage}: {Exception.Message}";
}
