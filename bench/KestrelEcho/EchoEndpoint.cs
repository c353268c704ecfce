using System.Buffers;
using System.Net.WebSockets;

namespace RxSockets.Bench.KestrelEcho;

/// <summary>Echoes every message back whole, with its type, until the client closes.</summary>
/// <remarks>Stateless and thread-safe; each message rents its own buffer.</remarks>
internal static class EchoEndpoint
{
    // Rented per message; doubled while a message is larger.
    private const int InitialBufferSize = 4096;

    /// <summary>Accepts the upgrade and runs the echo loop.</summary>
    /// <param name="context">The upgrade request.</param>
    /// <returns>A task that completes when the connection ends.</returns>
    public static async Task HandleAsync(HttpContext context)
    {
        if (!context.WebSockets.IsWebSocketRequest)
        {
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            return;
        }

        using var socket = await context.WebSockets.AcceptWebSocketAsync();
        try
        {
            await EchoAsync(socket, context.RequestAborted);
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException or IOException)
        {
            // Load generators may abort instead of closing (the idle run does); that ends the echo, nothing more.
        }
    }

    private static async Task EchoAsync(WebSocket socket, CancellationToken cancellationToken)
    {
        while (true)
        {
            // A zero-byte receive waits for the next frame without holding a buffer, so idle
            // connections cost only what Kestrel and the WebSocket itself keep.
            var first = await socket.ReceiveAsync(Memory<byte>.Empty, cancellationToken);
            if (first.MessageType == WebSocketMessageType.Close)
            {
                await socket.CloseOutputAsync(socket.CloseStatus ?? WebSocketCloseStatus.NormalClosure, socket.CloseStatusDescription, cancellationToken);
                return;
            }

            var buffer = ArrayPool<byte>.Shared.Rent(InitialBufferSize);
            try
            {
                var length = 0;
                var result = first;
                while (!result.EndOfMessage)
                {
                    if (length == buffer.Length)
                    {
                        buffer = Grow(buffer);
                    }

                    result = await socket.ReceiveAsync(buffer.AsMemory(length), cancellationToken);
                    length += result.Count;
                }

                await socket.SendAsync(buffer.AsMemory(0, length), first.MessageType, endOfMessage: true, cancellationToken);
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }
    }

    private static byte[] Grow(byte[] buffer)
    {
        var larger = ArrayPool<byte>.Shared.Rent(buffer.Length * 2);
        buffer.CopyTo(larger, 0);
        ArrayPool<byte>.Shared.Return(buffer);
        return larger;
    }
}
