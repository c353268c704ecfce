using System.Net.WebSockets;

namespace RxSockets.Interop.Tests.Support;

/// <summary>Whole-message helpers over the BCL <see cref="WebSocket"/> used by the harness tests. Not thread-safe, like the socket.</summary>
public static class WebSocketMessaging
{
    private const int ReceiveBufferSize = 64 * 1024;

    /// <summary>Sends one whole message.</summary>
    public static Task SendMessageAsync(this WebSocket socket, MessageType type, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(socket);
        var bclType = type == MessageType.Text ? WebSocketMessageType.Text : WebSocketMessageType.Binary;
        return socket.SendAsync(payload, bclType, endOfMessage: true, cancellationToken).AsTask();
    }

    /// <summary>Receives frames until a whole message (or a close) has arrived; pings are answered meanwhile by the socket.</summary>
    public static async Task<ReceivedMessage> ReceiveMessageAsync(this WebSocket socket, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(socket);
        using var payload = new MemoryStream();
        var buffer = new byte[ReceiveBufferSize];
        while (true)
        {
            var result = await socket.ReceiveAsync(buffer.AsMemory(), cancellationToken);
            payload.Write(buffer, 0, result.Count);
            if (result.EndOfMessage || result.MessageType == WebSocketMessageType.Close)
            {
                return new ReceivedMessage(result.MessageType, payload.ToArray());
            }
        }
    }

    /// <summary>Maps a BCL message type to ours; close is not a data message.</summary>
    public static MessageType? ToMessageType(this WebSocketMessageType type) => type switch
    {
        WebSocketMessageType.Text => MessageType.Text,
        WebSocketMessageType.Binary => MessageType.Binary,
        _ => null,
    };

    /// <summary>
    /// Echoes every message until the peer closes, answers its close with the same status (RFC 6455 §5.5.1), and
    /// returns what the peer sent.
    /// </summary>
    public static async Task<PeerClosure> EchoUntilCloseAsync(this WebSocket socket, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(socket);
        while (true)
        {
            var message = await socket.ReceiveMessageAsync(cancellationToken);
            if (message.ToMessageType() is not { } type)
            {
                var closure = new PeerClosure((int?)socket.CloseStatus ?? 1005, socket.CloseStatusDescription ?? string.Empty);
                await socket.CloseOutputAsync(socket.CloseStatus ?? WebSocketCloseStatus.Empty, socket.CloseStatusDescription, cancellationToken);
                return closure;
            }

            await socket.SendMessageAsync(type, message.Payload, cancellationToken);
        }
    }

    /// <summary>Returns the message type of a received message.</summary>
    public static MessageType? ToMessageType(this ReceivedMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        return message.Type.ToMessageType();
    }
}
