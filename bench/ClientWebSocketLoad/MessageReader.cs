using System.Net.WebSockets;

namespace RxSockets.Bench.ClientWebSocketLoad;

/// <summary>Receives whole echoed messages, fragment by fragment, and checks their length.</summary>
/// <remarks>Not thread-safe: one instance per receive loop.</remarks>
internal sealed class MessageReader(WebSocket socket, int expectedLength)
{
    private readonly byte[] _buffer = new byte[Math.Max(expectedLength, 1)];

    /// <summary>Reads one whole message.</summary>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns><see langword="false"/> when the server sent a close frame instead of a message.</returns>
    /// <exception cref="InvalidDataException">The echo had the wrong type or length.</exception>
    public async ValueTask<bool> ReadAsync(CancellationToken cancellationToken)
    {
        var total = 0;
        while (true)
        {
            // The payload content is not inspected, so every fragment may land at the start of the buffer.
            var result = await socket.ReceiveAsync(_buffer.AsMemory(), cancellationToken);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                return false;
            }

            if (result.MessageType != WebSocketMessageType.Binary)
            {
                throw new InvalidDataException($"expected a binary echo, got {result.MessageType}");
            }

            total += result.Count;
            if (result.EndOfMessage)
            {
                break;
            }
        }

        return total == expectedLength
            ? true
            : throw new InvalidDataException($"expected a {expectedLength}-byte echo, got {total} bytes");
    }
}
