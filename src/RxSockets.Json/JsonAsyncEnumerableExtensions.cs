using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace RxSockets.Json;

/// <summary>Typed JSON over <c>await foreach</c>, such as <see cref="WebSocketConnection.ReadAllAsync"/>.</summary>
/// <remarks>Bad JSON never ends the enumeration and is never dropped silently: the same two choices as
/// <see cref="JsonObservableExtensions"/> (a result per message, or values plus a required callback for invalid
/// messages). Binary messages are parsed as UTF-8 JSON.</remarks>
public static class JsonAsyncEnumerableExtensions
{
    /// <summary>Parses every message as JSON, yielding a result per message: a value, or the error with the raw message.</summary>
    /// <typeparam name="T">The expected type.</typeparam>
    /// <param name="source">The messages.</param>
    /// <param name="typeInfo">The serialisation contract, usually <c>MyContext.Default.MyType</c>.</param>
    /// <param name="cancellationToken">Stops the enumeration.</param>
    /// <returns>One result per message; ends, or throws, when the source does.</returns>
    public static IAsyncEnumerable<JsonResult<T>> DeserializeJsonResults<T>(this IAsyncEnumerable<Message> source, JsonTypeInfo<T> typeInfo,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(typeInfo);
        return ResultsCore(source, typeInfo, cancellationToken);
    }

    /// <summary>Parses every message as JSON with reflection, yielding a result per message.</summary>
    /// <typeparam name="T">The expected type.</typeparam>
    /// <param name="source">The messages.</param>
    /// <param name="options">Serialiser options; null for the defaults.</param>
    /// <param name="cancellationToken">Stops the enumeration.</param>
    /// <returns>One result per message; ends, or throws, when the source does.</returns>
    [RequiresUnreferencedCode(JsonReflection.UnreferencedCodeMessage)]
    [RequiresDynamicCode(JsonReflection.DynamicCodeMessage)]
    public static IAsyncEnumerable<JsonResult<T>> DeserializeJsonResults<T>(this IAsyncEnumerable<Message> source,
        JsonSerializerOptions? options = null, CancellationToken cancellationToken = default) =>
        source.DeserializeJsonResults(JsonReflection.GetTypeInfo<T>(options), cancellationToken);

    /// <summary>Parses every message as JSON, yielding the values; invalid messages are skipped and each is reported
    /// to <paramref name="onInvalid"/>.</summary>
    /// <typeparam name="T">The expected type.</typeparam>
    /// <param name="source">The messages.</param>
    /// <param name="typeInfo">The serialisation contract.</param>
    /// <param name="onInvalid">Told about every message that is not a valid <typeparamref name="T"/>; if it throws,
    /// the enumeration throws.</param>
    /// <param name="cancellationToken">Stops the enumeration.</param>
    /// <returns>The valid values; ends, or throws, when the source does.</returns>
    public static IAsyncEnumerable<T> DeserializeJson<T>(this IAsyncEnumerable<Message> source, JsonTypeInfo<T> typeInfo,
        Action<JsonMessageError> onInvalid, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(typeInfo);
        ArgumentNullException.ThrowIfNull(onInvalid);
        return ValuesCore(source, typeInfo, onInvalid, cancellationToken);
    }

    /// <summary>Parses every message as JSON with reflection, yielding the values; invalid messages are reported to
    /// <paramref name="onInvalid"/>.</summary>
    /// <typeparam name="T">The expected type.</typeparam>
    /// <param name="source">The messages.</param>
    /// <param name="onInvalid">Told about every message that is not a valid <typeparamref name="T"/>.</param>
    /// <param name="options">Serialiser options; null for the defaults.</param>
    /// <param name="cancellationToken">Stops the enumeration.</param>
    /// <returns>The valid values.</returns>
    [RequiresUnreferencedCode(JsonReflection.UnreferencedCodeMessage)]
    [RequiresDynamicCode(JsonReflection.DynamicCodeMessage)]
    public static IAsyncEnumerable<T> DeserializeJson<T>(this IAsyncEnumerable<Message> source, Action<JsonMessageError> onInvalid,
        JsonSerializerOptions? options = null, CancellationToken cancellationToken = default) =>
        source.DeserializeJson(JsonReflection.GetTypeInfo<T>(options), onInvalid, cancellationToken);

    private static async IAsyncEnumerable<JsonResult<T>> ResultsCore<T>(IAsyncEnumerable<Message> source, JsonTypeInfo<T> typeInfo,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var message in source.WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            yield return JsonMessage.Deserialize(message, typeInfo);
        }
    }

    private static async IAsyncEnumerable<T> ValuesCore<T>(IAsyncEnumerable<Message> source, JsonTypeInfo<T> typeInfo,
        Action<JsonMessageError> onInvalid, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var message in source.WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            var result = JsonMessage.Deserialize(message, typeInfo);
            if (JsonObservableExtensions.KeepOrReport(result, onInvalid))
            {
                yield return result.Value;
            }
        }
    }
}
