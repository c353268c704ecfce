using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace RxSockets.Json;

/// <summary>Converts between typed values and JSON <see cref="Message"/>s.</summary>
/// <remarks>
/// <para>Values are serialised straight to UTF-8 bytes and sent as <see cref="MessageType.Text"/> messages.</para>
/// <para><b>Binary messages.</b> When reading, a binary message is accepted too and its payload parsed as UTF-8 JSON,
/// so a peer that sends JSON in binary frames (as some Node.js servers do with <c>Buffer</c>s) works unchanged.</para>
/// <para>The overloads taking a <see cref="JsonTypeInfo{T}"/> (from a source-generated
/// <see cref="System.Text.Json.Serialization.JsonSerializerContext"/>) are trim- and AOT-safe; the ones taking
/// <see cref="JsonSerializerOptions"/> use reflection. All members are thread-safe.</para>
/// </remarks>
public static class JsonMessage
{
    /// <summary>Serialises a value to a JSON text message.</summary>
    /// <typeparam name="T">The value's type.</typeparam>
    /// <param name="value">The value.</param>
    /// <param name="typeInfo">The serialisation contract, usually <c>MyContext.Default.MyType</c>.</param>
    /// <returns>A text message holding the UTF-8 JSON.</returns>
    public static Message Serialize<T>(T value, JsonTypeInfo<T> typeInfo)
    {
        ArgumentNullException.ThrowIfNull(typeInfo);

        // System.Text.Json writes valid UTF-8, so the message needs no second validation pass.
        return Message.TextUnchecked(JsonSerializer.SerializeToUtf8Bytes(value, typeInfo));
    }

    /// <summary>Serialises a value to a JSON text message using reflection.</summary>
    /// <typeparam name="T">The value's type.</typeparam>
    /// <param name="value">The value.</param>
    /// <param name="options">Serialiser options; null for the defaults.</param>
    /// <returns>A text message holding the UTF-8 JSON.</returns>
    [RequiresUnreferencedCode(JsonReflection.UnreferencedCodeMessage)]
    [RequiresDynamicCode(JsonReflection.DynamicCodeMessage)]
    public static Message Serialize<T>(T value, JsonSerializerOptions? options = null) =>
        Serialize(value, JsonReflection.GetTypeInfo<T>(options));

    /// <summary>Parses a message's payload (text, or binary holding UTF-8 JSON) without throwing on bad JSON.</summary>
    /// <typeparam name="T">The expected type.</typeparam>
    /// <param name="message">The message.</param>
    /// <param name="typeInfo">The serialisation contract.</param>
    /// <returns>The value, or an error that keeps the raw message. JSON <c>null</c> is an error too, since the
    /// result could not carry it as a <typeparamref name="T"/>.</returns>
    public static JsonResult<T> Deserialize<T>(Message message, JsonTypeInfo<T> typeInfo)
    {
        ArgumentNullException.ThrowIfNull(typeInfo);
        try
        {
            var value = JsonSerializer.Deserialize(message.Data.Span, typeInfo);
            return value is null
                ? new JsonResult<T>(new JsonMessageError(message, typeof(T), new JsonException($"The message is JSON null, not a {typeof(T).Name}.")))
                : new JsonResult<T>(value);
        }
        catch (JsonException error)
        {
            return new JsonResult<T>(new JsonMessageError(message, typeof(T), error));
        }
    }

    /// <summary>Parses a message's payload using reflection, without throwing on bad JSON.</summary>
    /// <typeparam name="T">The expected type.</typeparam>
    /// <param name="message">The message.</param>
    /// <param name="options">Serialiser options; null for the defaults.</param>
    /// <returns>The value, or an error that keeps the raw message.</returns>
    [RequiresUnreferencedCode(JsonReflection.UnreferencedCodeMessage)]
    [RequiresDynamicCode(JsonReflection.DynamicCodeMessage)]
    public static JsonResult<T> Deserialize<T>(Message message, JsonSerializerOptions? options = null) =>
        Deserialize(message, JsonReflection.GetTypeInfo<T>(options));
}
