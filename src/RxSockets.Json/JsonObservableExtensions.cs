using System.Diagnostics.CodeAnalysis;
using System.Reactive.Linq;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace RxSockets.Json;

/// <summary>Typed JSON over the reactive surfaces: <see cref="IObservable{T}"/> of messages in, <see cref="IObserver{T}"/> of
/// messages out.</summary>
/// <remarks>
/// <para><b>Bad JSON never ends the stream and is never dropped silently.</b> A message that is not valid JSON for the
/// type (or is JSON <c>null</c>) does not fail the sequence, since one bad message from a peer should not stop all the
/// good ones after it. Choose how to see it: <see cref="DeserializeJsonResults{T}(IObservable{Message}, JsonTypeInfo{T})"/>
/// yields a <see cref="JsonResult{T}"/> for every message (a value, or an error with the raw text), while
/// <see cref="DeserializeJson{T}(IObservable{Message}, JsonTypeInfo{T}, Action{JsonMessageError})"/> yields only the
/// values and hands each invalid message to a callback you must supply. If that callback throws, the sequence fails
/// with its exception, as with any Rx operator. Other failures (an unsupported type in the contract) fail the sequence.</para>
/// <para><b>Binary messages</b> are parsed as UTF-8 JSON, like text messages.</para>
/// <para>The operators keep the source's threading: values arrive on the thread that delivers the messages.</para>
/// </remarks>
public static class JsonObservableExtensions
{
    /// <summary>Parses every message as JSON, yielding a result per message: a value, or the error with the raw message.</summary>
    /// <typeparam name="T">The expected type.</typeparam>
    /// <param name="source">The messages, such as <see cref="WebSocketConnection.Incoming"/>.</param>
    /// <param name="typeInfo">The serialisation contract, usually <c>MyContext.Default.MyType</c>.</param>
    /// <returns>One result per message; completes or fails when the source does.</returns>
    public static IObservable<JsonResult<T>> DeserializeJsonResults<T>(this IObservable<Message> source, JsonTypeInfo<T> typeInfo)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(typeInfo);
        return source.Select(message => JsonMessage.Deserialize(message, typeInfo));
    }

    /// <summary>Parses every message as JSON with reflection, yielding a result per message.</summary>
    /// <typeparam name="T">The expected type.</typeparam>
    /// <param name="source">The messages.</param>
    /// <param name="options">Serialiser options; null for the defaults.</param>
    /// <returns>One result per message; completes or fails when the source does.</returns>
    [RequiresUnreferencedCode(JsonReflection.UnreferencedCodeMessage)]
    [RequiresDynamicCode(JsonReflection.DynamicCodeMessage)]
    public static IObservable<JsonResult<T>> DeserializeJsonResults<T>(this IObservable<Message> source, JsonSerializerOptions? options = null) =>
        source.DeserializeJsonResults(JsonReflection.GetTypeInfo<T>(options));

    /// <summary>Parses every message as JSON, yielding the values; invalid messages are skipped and each is reported
    /// to <paramref name="onInvalid"/>.</summary>
    /// <typeparam name="T">The expected type.</typeparam>
    /// <param name="source">The messages, such as <see cref="WebSocketConnection.Incoming"/>.</param>
    /// <param name="typeInfo">The serialisation contract, usually <c>MyContext.Default.MyType</c>.</param>
    /// <param name="onInvalid">Told about every message that is not a valid <typeparamref name="T"/>, on the
    /// delivering thread, before the next value. Required, so that no message disappears unnoticed.</param>
    /// <returns>The valid values; completes or fails when the source does.</returns>
    public static IObservable<T> DeserializeJson<T>(this IObservable<Message> source, JsonTypeInfo<T> typeInfo, Action<JsonMessageError> onInvalid)
    {
        ArgumentNullException.ThrowIfNull(onInvalid);
        return source.DeserializeJsonResults(typeInfo).Where(result => KeepOrReport(result, onInvalid)).Select(result => result.Value);
    }

    /// <summary>Parses every message as JSON with reflection, yielding the values; invalid messages are skipped and
    /// each is reported to <paramref name="onInvalid"/>.</summary>
    /// <typeparam name="T">The expected type.</typeparam>
    /// <param name="source">The messages.</param>
    /// <param name="onInvalid">Told about every message that is not a valid <typeparamref name="T"/>.</param>
    /// <param name="options">Serialiser options; null for the defaults.</param>
    /// <returns>The valid values; completes or fails when the source does.</returns>
    [RequiresUnreferencedCode(JsonReflection.UnreferencedCodeMessage)]
    [RequiresDynamicCode(JsonReflection.DynamicCodeMessage)]
    public static IObservable<T> DeserializeJson<T>(this IObservable<Message> source, Action<JsonMessageError> onInvalid, JsonSerializerOptions? options = null) =>
        source.DeserializeJson(JsonReflection.GetTypeInfo<T>(options), onInvalid);

    /// <summary>Wraps a message sink (usually <see cref="WebSocketConnection.Outgoing"/>) so that it takes typed values
    /// and sends each as a JSON text message.</summary>
    /// <typeparam name="T">The value's type.</typeparam>
    /// <param name="sink">The message sink.</param>
    /// <param name="typeInfo">The serialisation contract.</param>
    /// <returns>An observer that never throws back into the caller: a value that cannot be serialised fails the sink
    /// with <c>OnError</c> (a connection closes with 1011). <c>OnCompleted</c> passes through (a connection closes
    /// with 1000).</returns>
    public static IObserver<T> AsJsonObserver<T>(this IObserver<Message> sink, JsonTypeInfo<T> typeInfo)
    {
        ArgumentNullException.ThrowIfNull(sink);
        ArgumentNullException.ThrowIfNull(typeInfo);
        return new JsonObserver<T>(sink, typeInfo);
    }

    /// <summary>Wraps a message sink so that it takes typed values and sends each as JSON, serialised with reflection.</summary>
    /// <typeparam name="T">The value's type.</typeparam>
    /// <param name="sink">The message sink.</param>
    /// <param name="options">Serialiser options; null for the defaults.</param>
    /// <returns>An observer that never throws back into the caller.</returns>
    [RequiresUnreferencedCode(JsonReflection.UnreferencedCodeMessage)]
    [RequiresDynamicCode(JsonReflection.DynamicCodeMessage)]
    public static IObserver<T> AsJsonObserver<T>(this IObserver<Message> sink, JsonSerializerOptions? options = null) =>
        sink.AsJsonObserver(JsonReflection.GetTypeInfo<T>(options));

    internal static bool KeepOrReport<T>(JsonResult<T> result, Action<JsonMessageError> onInvalid)
    {
        if (result.IsSuccess)
        {
            return true;
        }

        onInvalid(result.Error);
        return false;
    }
}
