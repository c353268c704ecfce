using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace RxSockets.Json;

/// <summary>Sends typed values as JSON text messages over any <see cref="IWebSocketChannel"/>: a
/// <see cref="WebSocketConnection"/> or the reconnecting <see cref="WebSocketClient"/> (which queues them while
/// disconnected).</summary>
/// <remarks>Thread-safe, with the same queueing and backpressure as the channel's <see cref="IWebSocketChannel.SendAsync(Message, CancellationToken)"/>.</remarks>
public static class JsonConnectionExtensions
{
    /// <summary>Serialises <paramref name="value"/> straight to UTF-8 and queues it as a text message.</summary>
    /// <typeparam name="T">The value's type.</typeparam>
    /// <param name="channel">The connection or client.</param>
    /// <param name="value">The value.</param>
    /// <param name="typeInfo">The serialisation contract, usually <c>MyContext.Default.MyType</c>.</param>
    /// <param name="cancellationToken">Cancels the wait for room in the send queue.</param>
    /// <returns>Completes when the message is queued.</returns>
    /// <exception cref="ConnectionClosedException">In the task: the connection is closing or closed (a client queues instead).</exception>
    public static ValueTask SendJsonAsync<T>(this IWebSocketChannel channel, T value, JsonTypeInfo<T> typeInfo,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(channel);
        return channel.SendAsync(JsonMessage.Serialize(value, typeInfo), cancellationToken);
    }

    /// <summary>Serialises <paramref name="value"/> with reflection and queues it as a text message.</summary>
    /// <typeparam name="T">The value's type.</typeparam>
    /// <param name="channel">The connection or client.</param>
    /// <param name="value">The value.</param>
    /// <param name="options">Serialiser options; null for the defaults.</param>
    /// <param name="cancellationToken">Cancels the wait for room in the send queue.</param>
    /// <returns>Completes when the message is queued.</returns>
    /// <exception cref="ConnectionClosedException">In the task: the connection is closing or closed (a client queues instead).</exception>
    [RequiresUnreferencedCode(JsonReflection.UnreferencedCodeMessage)]
    [RequiresDynamicCode(JsonReflection.DynamicCodeMessage)]
    public static ValueTask SendJsonAsync<T>(this IWebSocketChannel channel, T value, JsonSerializerOptions? options = null,
        CancellationToken cancellationToken = default) =>
        channel.SendJsonAsync(value, JsonReflection.GetTypeInfo<T>(options), cancellationToken);
}
