using System.Buffers;
using System.Net.WebSockets;

namespace RxSockets.Bench.KestrelEcho;

/// <summary>Echoes every message back whole, with its type, until the client closes.</summary>
/// <remarks>Stateless and thread-safe; the echo loops keep their buffers per connection.</remarks>
internal static class EchoEndpoint
{
    /// <summary>Accepts the upgrade and runs one of the echo loops.</summary>
    /// <param name="context">The upgrade request.</param>
    /// <param name="lean">
    /// <see langword="true"/> for <see cref="LeanEcho"/> (no buffer held between messages: the idle section's best case),
    /// <see langword="false"/> for <see cref="BufferedEcho"/> (one receive per read: the throughput sections' best case).
    /// </param>
    /// <returns>A task that completes when the connection ends.</returns>
    public static async Task HandleAsync(HttpContext context, bool lean)
    {
        if (!context.WebSockets.IsWebSocketRequest)
        {
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            return;
        }

        using var socket = await context.WebSockets.AcceptWebSocketAsync();
        try
        {
            if (lean)
            {
                await LeanEcho.RunAsync(socket, context.RequestAborted);
            }
            else
            {
                await BufferedEcho.RunAsync(socket, context.RequestAborted);
            }
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException or IOException)
        {
            // Load generators may abort instead of closing (the idle run does); that ends the echo, nothing more.
        }
    }

    /// <summary>Answers a received close and returns <see langword="true"/>, or returns <see langword="false"/>.</summary>
    /// <param name="socket">The connection.</param>
    /// <param name="result">What the last receive returned.</param>
    /// <param name="cancellationToken">Ends the wait for the close to be sent.</param>
    /// <returns>Whether the connection is closing.</returns>
    public static async ValueTask<bool> AnsweredCloseAsync(WebSocket socket, ValueWebSocketReceiveResult result, CancellationToken cancellationToken)
    {
        if (result.MessageType != WebSocketMessageType.Close)
        {
            return false;
        }

        await socket.CloseOutputAsync(socket.CloseStatus ?? WebSocketCloseStatus.NormalClosure, socket.CloseStatusDescription, cancellationToken);
        return true;
    }

    /// <summary>Rents a buffer twice as large, copies <paramref name="buffer"/> into it and returns the old one.</summary>
    /// <param name="buffer">A full buffer from <see cref="ArrayPool{T}.Shared"/>.</param>
    /// <returns>The larger buffer, also rented.</returns>
    public static byte[] Grow(byte[] buffer)
    {
        var larger = ArrayPool<byte>.Shared.Rent(buffer.Length * 2);
        buffer.CopyTo(larger, 0);
        ArrayPool<byte>.Shared.Return(buffer);
        return larger;
    }
}
