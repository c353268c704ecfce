using System.Buffers;
using System.Net.WebSockets;

namespace RxSockets.Bench.KestrelEcho;

/// <summary>
/// The memory-lean echo (<c>--lean</c>, used by the idle section): a zero-byte receive waits for the next frame without
/// holding a buffer, and a buffer is rented only while a message is echoed, so idle connections cost only what Kestrel
/// and the WebSocket itself keep.
/// </summary>
/// <remarks>The zero-byte receive costs an extra async round trip per message, so throughput runs use <see cref="BufferedEcho"/>.</remarks>
internal static class LeanEcho
{
    // Rented per message; doubled while a message is larger.
    private const int InitialBufferSize = 4096;

    /// <summary>Echoes until the client closes.</summary>
    /// <param name="socket">The accepted connection.</param>
    /// <param name="cancellationToken">Ends the echo when the request is aborted.</param>
    /// <returns>A task that completes when the connection ends.</returns>
    public static async Task RunAsync(WebSocket socket, CancellationToken cancellationToken)
    {
        while (true)
        {
            var first = await socket.ReceiveAsync(Memory<byte>.Empty, cancellationToken);
            if (await EchoEndpoint.AnsweredCloseAsync(socket, first, cancellationToken))
            {
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
                        buffer = EchoEndpoint.Grow(buffer);
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
}
