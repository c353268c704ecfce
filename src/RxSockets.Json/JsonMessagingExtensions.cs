using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace RxSockets.Json;

/// <summary>Typed JSON over the messaging protocol of a <see cref="WebSocketClient"/> (<see cref="WebSocketClientOptions.Messaging"/>):
/// topics as <see cref="IObservable{T}"/>, publishing, requests and request handlers with JSON values.</summary>
/// <remarks>
/// <para><b>Bad JSON never ends a topic's stream and is never dropped silently</b>, as everywhere in this package: a
/// publication that is not valid JSON of the expected type (or is JSON <c>null</c>) is handed to the required
/// <c>onInvalid</c> callback and the stream goes on. For <c>await foreach</c>, use
/// <c>topic.ReadAllAsync().DeserializeJson(...)</c> (<see cref="JsonAsyncEnumerableExtensions"/>).</para>
/// <para>Values are sent as JSON text payloads; binary payloads are parsed as UTF-8 JSON too. All members are
/// thread-safe.</para>
/// </remarks>
public static class JsonMessagingExtensions
{
    /// <summary>A topic's publications parsed as <typeparamref name="T"/> (see <see cref="WebSocketClient.Topic"/>:
    /// subscribed on the first observer, recovered across reconnects).</summary>
    /// <typeparam name="T">The publications' type.</typeparam>
    /// <param name="client">The client, with <see cref="WebSocketClientOptions.Messaging"/> set.</param>
    /// <param name="name">The topic's name.</param>
    /// <param name="typeInfo">The serialisation contract, usually <c>MyContext.Default.MyType</c>.</param>
    /// <param name="onInvalid">Told about every publication that is not a valid <typeparamref name="T"/>, on the read
    /// loop, before the next value. Required, so that none disappears unnoticed.</param>
    /// <returns>The valid values; fails with <see cref="RequestFailedException"/> when the server refuses the
    /// subscription, completes when the client is disposed.</returns>
    public static IObservable<T> Topic<T>(this WebSocketClient client, string name, JsonTypeInfo<T> typeInfo, Action<JsonMessageError> onInvalid)
    {
        ArgumentNullException.ThrowIfNull(client);
        return client.Topic(name).DeserializeJson(typeInfo, onInvalid);
    }

    /// <summary>A topic's publications parsed as <typeparamref name="T"/> with reflection.</summary>
    /// <typeparam name="T">The publications' type.</typeparam>
    /// <param name="client">The client, with <see cref="WebSocketClientOptions.Messaging"/> set.</param>
    /// <param name="name">The topic's name.</param>
    /// <param name="onInvalid">Told about every publication that is not a valid <typeparamref name="T"/>.</param>
    /// <param name="options">Serialiser options; null for the defaults.</param>
    /// <returns>The valid values.</returns>
    [RequiresUnreferencedCode(JsonReflection.UnreferencedCodeMessage)]
    [RequiresDynamicCode(JsonReflection.DynamicCodeMessage)]
    public static IObservable<T> Topic<T>(this WebSocketClient client, string name, Action<JsonMessageError> onInvalid, JsonSerializerOptions? options = null) =>
        client.Topic(name, JsonReflection.GetTypeInfo<T>(options), onInvalid);

    /// <summary>Publishes a value as JSON; completes when the server acknowledged it (see
    /// <see cref="WebSocketClient.PublishAsync(string, Message, CancellationToken)"/>).</summary>
    /// <typeparam name="T">The value's type.</typeparam>
    /// <param name="client">The client, with <see cref="WebSocketClientOptions.Messaging"/> set.</param>
    /// <param name="topic">The topic's name.</param>
    /// <param name="value">The value.</param>
    /// <param name="typeInfo">The serialisation contract.</param>
    /// <param name="cancellationToken">Stops waiting for the acknowledgment.</param>
    /// <returns>The publication's position.</returns>
    /// <exception cref="RequestFailedException">In the task: refused, timed out, or too many pending.</exception>
    /// <exception cref="ConnectionClosedException">In the task: the connection was lost after it was sent.</exception>
    public static ValueTask<TopicPosition> PublishJsonAsync<T>(this WebSocketClient client, string topic, T value, JsonTypeInfo<T> typeInfo,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(client);
        return client.PublishAsync(topic, JsonMessage.Serialize(value, typeInfo), cancellationToken);
    }

    /// <summary>Publishes a value as JSON, serialised with reflection.</summary>
    /// <typeparam name="T">The value's type.</typeparam>
    /// <param name="client">The client, with <see cref="WebSocketClientOptions.Messaging"/> set.</param>
    /// <param name="topic">The topic's name.</param>
    /// <param name="value">The value.</param>
    /// <param name="options">Serialiser options; null for the defaults.</param>
    /// <param name="cancellationToken">Stops waiting for the acknowledgment.</param>
    /// <returns>The publication's position.</returns>
    [RequiresUnreferencedCode(JsonReflection.UnreferencedCodeMessage)]
    [RequiresDynamicCode(JsonReflection.DynamicCodeMessage)]
    public static ValueTask<TopicPosition> PublishJsonAsync<T>(this WebSocketClient client, string topic, T value, JsonSerializerOptions? options = null,
        CancellationToken cancellationToken = default) =>
        client.PublishJsonAsync(topic, value, JsonReflection.GetTypeInfo<T>(options), cancellationToken);

    /// <summary>Sends a request as JSON and parses the reply as JSON (see <see cref="WebSocketClient.RequestAsync"/>).</summary>
    /// <typeparam name="TRequest">The request's type.</typeparam>
    /// <typeparam name="TResponse">The reply's type.</typeparam>
    /// <param name="client">The client, with <see cref="WebSocketClientOptions.Messaging"/> set.</param>
    /// <param name="request">The request.</param>
    /// <param name="requestType">The request's serialisation contract.</param>
    /// <param name="responseType">The reply's serialisation contract.</param>
    /// <param name="name">The route (the server's handler); null for requests without a name.</param>
    /// <param name="cancellationToken">Stops waiting for the reply.</param>
    /// <returns>The reply.</returns>
    /// <exception cref="RequestFailedException">In the task: the server answered <c>err</c>, no reply came in time, or
    /// too many are pending.</exception>
    /// <exception cref="JsonException">In the task: the reply is not a valid <typeparamref name="TResponse"/>.</exception>
    public static async ValueTask<TResponse> RequestJsonAsync<TRequest, TResponse>(this WebSocketClient client, TRequest request,
        JsonTypeInfo<TRequest> requestType, JsonTypeInfo<TResponse> responseType, string? name = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(responseType);
        var reply = await client.RequestAsync(JsonMessage.Serialize(request, requestType), name, cancellationToken).ConfigureAwait(false);
        var result = JsonMessage.Deserialize(reply, responseType);
        return result.IsSuccess
            ? result.Value
            : throw new JsonException($"The reply is not a valid {typeof(TResponse).Name}: {result.Error.Exception.Message}", result.Error.Exception);
    }

    /// <summary>Sends a request as JSON and parses the reply as JSON, with reflection.</summary>
    /// <typeparam name="TRequest">The request's type.</typeparam>
    /// <typeparam name="TResponse">The reply's type.</typeparam>
    /// <param name="client">The client, with <see cref="WebSocketClientOptions.Messaging"/> set.</param>
    /// <param name="request">The request.</param>
    /// <param name="name">The route; null for requests without a name.</param>
    /// <param name="options">Serialiser options; null for the defaults.</param>
    /// <param name="cancellationToken">Stops waiting for the reply.</param>
    /// <returns>The reply.</returns>
    [RequiresUnreferencedCode(JsonReflection.UnreferencedCodeMessage)]
    [RequiresDynamicCode(JsonReflection.DynamicCodeMessage)]
    public static ValueTask<TResponse> RequestJsonAsync<TRequest, TResponse>(this WebSocketClient client, TRequest request, string? name = null,
        JsonSerializerOptions? options = null, CancellationToken cancellationToken = default) =>
        client.RequestJsonAsync(request, JsonReflection.GetTypeInfo<TRequest>(options), JsonReflection.GetTypeInfo<TResponse>(options), name, cancellationToken);

    /// <summary>Answers the server's requests named <paramref name="name"/> with a typed handler (see
    /// <see cref="WebSocketClient.MapRequest"/>). A request that is not a valid <typeparamref name="TRequest"/> is
    /// answered <see cref="MessagingErrorCodes.BadRequest"/> with the parser's message, without calling the handler.</summary>
    /// <typeparam name="TRequest">The request's type.</typeparam>
    /// <typeparam name="TResponse">The reply's type.</typeparam>
    /// <param name="client">The client, with <see cref="WebSocketClientOptions.Messaging"/> set.</param>
    /// <param name="name">The route; empty for requests without a name.</param>
    /// <param name="handler">Computes the reply; a <see cref="RequestFailedException"/> it throws answers with its code.</param>
    /// <param name="requestType">The request's serialisation contract.</param>
    /// <param name="responseType">The reply's serialisation contract.</param>
    /// <returns>Disposing it removes the handler.</returns>
    public static IDisposable MapJsonRequest<TRequest, TResponse>(this WebSocketClient client, string name,
        Func<TRequest, CancellationToken, ValueTask<TResponse>> handler, JsonTypeInfo<TRequest> requestType, JsonTypeInfo<TResponse> responseType)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(handler);
        ArgumentNullException.ThrowIfNull(requestType);
        ArgumentNullException.ThrowIfNull(responseType);
        return client.MapRequest(name, async (message, cancellationToken) =>
        {
            var request = JsonMessage.Deserialize(message, requestType);
            if (!request.IsSuccess)
            {
                throw new RequestFailedException(MessagingErrorCodes.BadRequest, $"not a valid {typeof(TRequest).Name}: {request.Error.Exception.Message}");
            }

            var reply = await handler(request.Value, cancellationToken).ConfigureAwait(false);
            return JsonMessage.Serialize(reply, responseType);
        });
    }

    /// <summary>Answers the server's requests named <paramref name="name"/> with a typed handler, with reflection.</summary>
    /// <typeparam name="TRequest">The request's type.</typeparam>
    /// <typeparam name="TResponse">The reply's type.</typeparam>
    /// <param name="client">The client, with <see cref="WebSocketClientOptions.Messaging"/> set.</param>
    /// <param name="name">The route; empty for requests without a name.</param>
    /// <param name="handler">Computes the reply.</param>
    /// <param name="options">Serialiser options; null for the defaults.</param>
    /// <returns>Disposing it removes the handler.</returns>
    [RequiresUnreferencedCode(JsonReflection.UnreferencedCodeMessage)]
    [RequiresDynamicCode(JsonReflection.DynamicCodeMessage)]
    public static IDisposable MapJsonRequest<TRequest, TResponse>(this WebSocketClient client, string name,
        Func<TRequest, CancellationToken, ValueTask<TResponse>> handler, JsonSerializerOptions? options = null) =>
        client.MapJsonRequest(name, handler, JsonReflection.GetTypeInfo<TRequest>(options), JsonReflection.GetTypeInfo<TResponse>(options));
}
