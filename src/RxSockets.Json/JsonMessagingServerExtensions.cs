using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace RxSockets.Json;

/// <summary>Typed JSON request handlers and requests for the server side of the messaging protocol
/// (<see cref="MessagingServerOptions"/>): requests routed by name, or by the request type's name.</summary>
/// <remarks>A request whose payload is not a valid <c>TRequest</c> is answered <see cref="MessagingErrorCodes.BadRequest"/>
/// with the parser's message; the handler is not called. Thread-safe once configured.</remarks>
public static class JsonMessagingServerExtensions
{
    /// <summary>Registers a typed handler for requests named <paramref name="name"/>: the payload is parsed as a
    /// <typeparamref name="TRequest"/> and the reply serialised from the <typeparamref name="TResponse"/>.</summary>
    /// <typeparam name="TRequest">The request's type.</typeparam>
    /// <typeparam name="TResponse">The reply's type.</typeparam>
    /// <param name="options">The messaging options.</param>
    /// <param name="name">The route; the empty string for requests without a name.</param>
    /// <param name="handler">Answers a request (it may throw <see cref="RequestFailedException"/>).</param>
    /// <param name="requestType">The request's contract, usually <c>MyContext.Default.MyRequest</c>.</param>
    /// <param name="responseType">The reply's contract.</param>
    /// <returns>The options, for chaining.</returns>
    public static MessagingServerOptions MapRequest<TRequest, TResponse>(this MessagingServerOptions options, string name,
        Func<TRequest, MessagingRequest, CancellationToken, ValueTask<TResponse>> handler, JsonTypeInfo<TRequest> requestType, JsonTypeInfo<TResponse> responseType)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(handler);
        ArgumentNullException.ThrowIfNull(requestType);
        ArgumentNullException.ThrowIfNull(responseType);
        options.RequestHandlers[name] = async (request, cancellationToken) =>
        {
            var parsed = JsonMessage.Deserialize(request.Message, requestType);
            if (!parsed.IsSuccess)
            {
                throw new RequestFailedException(MessagingErrorCodes.BadRequest, $"not a valid {typeof(TRequest).Name}: {parsed.Error!.Exception.Message}");
            }

            return JsonMessage.Serialize(await handler(parsed.Value, request, cancellationToken).ConfigureAwait(false), responseType);
        };
        return options;
    }

    /// <summary>Registers a typed handler using reflection, routed by <paramref name="name"/> or, when it is null, by
    /// the request type's name (<c>typeof(TRequest).Name</c>).</summary>
    /// <inheritdoc cref="MapRequest{TRequest, TResponse}(MessagingServerOptions, string, Func{TRequest, MessagingRequest, CancellationToken, ValueTask{TResponse}}, JsonTypeInfo{TRequest}, JsonTypeInfo{TResponse})"/>
    /// <param name="options">The messaging options.</param>
    /// <param name="handler">Answers a request (it may throw <see cref="RequestFailedException"/>).</param>
    /// <param name="name">The route; null for <c>typeof(TRequest).Name</c>.</param>
    /// <param name="serializerOptions">Serialiser options; null for the defaults.</param>
    [RequiresUnreferencedCode(JsonReflection.UnreferencedCodeMessage)]
    [RequiresDynamicCode(JsonReflection.DynamicCodeMessage)]
    public static MessagingServerOptions MapRequest<TRequest, TResponse>(this MessagingServerOptions options,
        Func<TRequest, MessagingRequest, CancellationToken, ValueTask<TResponse>> handler, string? name = null, JsonSerializerOptions? serializerOptions = null) =>
        options.MapRequest(name ?? typeof(TRequest).Name, handler, JsonReflection.GetTypeInfo<TRequest>(serializerOptions), JsonReflection.GetTypeInfo<TResponse>(serializerOptions));

    /// <summary>Asks a messaging client with a typed request and parses its typed reply.</summary>
    /// <typeparam name="TRequest">The request's type.</typeparam>
    /// <typeparam name="TResponse">The reply's type.</typeparam>
    /// <param name="server">The server.</param>
    /// <param name="client">One of <see cref="WebSocketServer.MessagingClients"/>.</param>
    /// <param name="request">The request.</param>
    /// <param name="name">The client's route; null for <c>typeof(TRequest).Name</c>.</param>
    /// <param name="serializerOptions">Serialiser options; null for the defaults.</param>
    /// <param name="cancellationToken">Stops waiting.</param>
    /// <returns>The reply.</returns>
    /// <exception cref="RequestFailedException">The client answered an error, or its reply is not a valid
    /// <typeparamref name="TResponse"/> (<see cref="MessagingErrorCodes.BadRequest"/>).</exception>
    [RequiresUnreferencedCode(JsonReflection.UnreferencedCodeMessage)]
    [RequiresDynamicCode(JsonReflection.DynamicCodeMessage)]
    public static async ValueTask<TResponse> RequestAsync<TRequest, TResponse>(this WebSocketServer server, WebSocketConnection client, TRequest request,
        string? name = null, JsonSerializerOptions? serializerOptions = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(server);
        var reply = await server.RequestAsync(client, JsonMessage.Serialize(request, serializerOptions), name ?? typeof(TRequest).Name, cancellationToken).ConfigureAwait(false);
        var parsed = JsonMessage.Deserialize<TResponse>(reply, serializerOptions);
        return parsed.IsSuccess
            ? parsed.Value
            : throw new RequestFailedException(MessagingErrorCodes.BadRequest, $"the reply is not a valid {typeof(TResponse).Name}: {parsed.Error!.Exception.Message}");
    }
}
