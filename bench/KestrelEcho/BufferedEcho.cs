using System.Buffers;
using System.Net.WebSockets;

namespace RxSockets.Bench.KestrelEcho;

/// <summary>
/// The throughput echo: one buffer rented per connection, every receive straight into it, so a message costs one
/// receive (more only when it arrives in pieces) and one send.
/// </summary>
/// <remarks>
/// This is what a straightforward ASP.NET Core echo looks like, and the baseline must be Kestrel at its best: a
/// zero-byte receive before each message (<see cref="LeanEcho"/>) costs an extra async round trip per message.
/// </remarks>
internal static class BufferedEcho
{
    // Holds a 64 KiB message whole; a larger one doubles it for the rest of the connection.
    private const int BufferSize = 64 * 1024;

    /// <summary>Echoes until the client closes.</summary>
    /// <param name="socket">The accepted connection.</param>
    /// <param name="cancellationToken">Ends the echo when the request is aborted.</param>
    /// <returns>A task that completes when the connection ends.</returns>
    public static async Task RunAsync(WebSocket socket, CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        try
        {
            while (true)
            {
                var length = 0;
                ValueWebSocketReceiveResult result;
                do
                {
                    if (length == buffer.Length)
                    {
                        buffer = EchoEndpoint.Grow(buffer);
                    }

                    result = await socket.ReceiveAsync(buffer.AsMemory(length), cancellationToken);
                    length += result.Count;
                }
                while (!result.EndOfMessage);

                if (await EchoEndpoint.AnsweredCloseAsync(socket, result, cancellationToken))
                {
                    return;
                }

                await socket.SendAsync(buffer.AsMemory(0, length), result.MessageType, endOfMessage: true, cancellationToken);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
