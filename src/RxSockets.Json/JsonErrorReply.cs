using System.Buffers;
using System.Text.Json;

namespace RxSockets.Json;

/// <summary>Builds <c>{"type":"error","reason":…,"detail":…}</c> messages with a <see cref="Utf8JsonWriter"/> (no
/// serialiser, so trim- and AOT-safe).</summary>
internal static class JsonErrorReply
{
    public static Message Create(string discriminator, string errorType, string reason, string? detail)
    {
        var buffer = new ArrayBufferWriter<byte>(128);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString(discriminator, errorType);
            writer.WriteString("reason", reason);
            if (detail is not null)
            {
                writer.WriteString("detail", detail);
            }

            writer.WriteEndObject();
        }

        return Message.TextUnchecked(buffer.WrittenMemory);
    }

    /// <summary>"not-json", "missing-discriminator", "unknown-discriminator", "bind-failed", "handler-failed".</summary>
    public static string ReasonCode(JsonDeadLetterReason reason) => reason switch
    {
        JsonDeadLetterReason.NotJson => "not-json",
        JsonDeadLetterReason.MissingDiscriminator => "missing-discriminator",
        JsonDeadLetterReason.UnknownDiscriminator => "unknown-discriminator",
        JsonDeadLetterReason.BindFailed => "bind-failed",
        _ => "handler-failed",
    };
}
