using System.Buffers;
using System.IO.Pipelines;

namespace RxSockets;

/// <summary>Byte streams over a connection: a duplex <see cref="WebSocketStream"/>, and pipe helpers that send a
/// <see cref="Stream"/> or <see cref="PipeReader"/> as binary messages (<c>PipeFromAsync</c>) or copy received messages
/// into a <see cref="Stream"/> or <see cref="PipeWriter"/> (<c>PipeToAsync</c>).</summary>
/// <remarks>The pipe helpers take any <see cref="IWebSocketChannel"/>: a <see cref="WebSocketConnection"/>, or the
/// reconnecting <see cref="WebSocketClient"/> (whose sends queue while disconnected, and whose receiving side ends only
/// when it is disposed). Sending waits for room in the send queue before reading more (backpressure end to end);
/// receiving reads through <see cref="IWebSocketChannel.ReadAllAsync"/>, so a channel can feed one receiving helper, and
/// then not <see cref="IWebSocketChannel.Incoming"/>. Message boundaries are not kept on the receiving side.</remarks>
public static class MessageStreamExtensions
{
    /// <summary>The default size of the binary messages sent by <c>PipeFromAsync</c>: 64 KiB.</summary>
    public const int DefaultChunkSize = 64 * 1024;

    /// <summary>Wraps the connection in a duplex <see cref="Stream"/> (see <see cref="WebSocketStream"/>).</summary>
    /// <param name="connection">The connection.</param>
    /// <param name="leaveOpen">True to leave the connection open when the stream is disposed.</param>
    /// <returns>The stream.</returns>
    public static WebSocketStream AsStream(this WebSocketConnection connection, bool leaveOpen = false) => new(connection, leaveOpen);

    /// <summary>Reads <paramref name="source"/> to its end and sends it as binary messages of
    /// <paramref name="chunkSize"/> bytes (the last one may be shorter). The source is not disposed.</summary>
    /// <param name="channel">The connection or client.</param>
    /// <param name="source">The bytes to send.</param>
    /// <param name="chunkSize">The size of each message; keep it within the peer's maximum message size.</param>
    /// <param name="cancellationToken">Stops reading and sending.</param>
    /// <returns>How many bytes were queued.</returns>
    /// <exception cref="ConnectionClosedException">In the task: the connection closed before the end (a client queues instead).</exception>
    public static Task<long> PipeFromAsync(this IWebSocketChannel channel, Stream source, int chunkSize = DefaultChunkSize,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(channel);
        ArgumentNullException.ThrowIfNull(source);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(chunkSize);
        return SendStreamAsync(channel, source, chunkSize, cancellationToken);
    }

    private static async Task<long> SendStreamAsync(IWebSocketChannel channel, Stream source, int chunkSize,
        CancellationToken cancellationToken)
    {
        long total = 0;
        while (true)
        {
            // A fresh array per message: a queued message owns its bytes until the write loop has sent them.
            var chunk = new byte[chunkSize];
            var read = await source.ReadAtLeastAsync(chunk, chunkSize, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                return total;
            }

            await channel.SendAsync(Message.Binary(chunk.AsMemory(0, read)), cancellationToken).ConfigureAwait(false);
            total += read;
            if (read < chunkSize)
            {
                return total;
            }
        }
    }

    /// <summary>Reads <paramref name="source"/> to its end and sends it as binary messages of
    /// <paramref name="chunkSize"/> bytes (the last one may be shorter), then completes the reader.</summary>
    /// <param name="channel">The connection or client.</param>
    /// <param name="source">The bytes to send.</param>
    /// <param name="chunkSize">The size of each message; keep it within the peer's maximum message size.</param>
    /// <param name="cancellationToken">Stops reading and sending.</param>
    /// <returns>How many bytes were queued.</returns>
    /// <exception cref="ConnectionClosedException">In the task: the connection closed before the end (a client queues instead).</exception>
    public static Task<long> PipeFromAsync(this IWebSocketChannel channel, PipeReader source, int chunkSize = DefaultChunkSize,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(channel);
        ArgumentNullException.ThrowIfNull(source);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(chunkSize);
        return SendPipeAsync(channel, source, chunkSize, cancellationToken);
    }

    private static async Task<long> SendPipeAsync(IWebSocketChannel channel, PipeReader source, int chunkSize,
        CancellationToken cancellationToken)
    {
        long total = 0;
        Exception? failure = null;
        try
        {
            while (true)
            {
                var result = await source.ReadAsync(cancellationToken).ConfigureAwait(false);
                var buffer = result.Buffer;
                while (buffer.Length >= chunkSize || (result.IsCompleted && !buffer.IsEmpty))
                {
                    var chunk = buffer.Slice(0, Math.Min(chunkSize, buffer.Length));
                    await channel.SendAsync(Message.Binary(chunk.ToArray()), cancellationToken).ConfigureAwait(false);
                    total += chunk.Length;
                    buffer = buffer.Slice(chunk.End);
                }

                source.AdvanceTo(buffer.Start, buffer.End);
                if (result.IsCompleted || result.IsCanceled)
                {
                    return total;
                }
            }
        }
        catch (Exception error)
        {
            failure = error;
            throw;
        }
        finally
        {
            await source.CompleteAsync(failure).ConfigureAwait(false);
        }
    }

    /// <summary>Writes the payload of every received message into <paramref name="destination"/> until the channel's
    /// messages end (a connection's clean close, a client's dispose), then flushes it. The destination is not disposed.</summary>
    /// <param name="channel">The connection or client.</param>
    /// <param name="destination">Where the bytes go.</param>
    /// <param name="cancellationToken">Stops copying (not the connection).</param>
    /// <returns>How many bytes were written.</returns>
    /// <exception cref="ConnectionClosedException">In the task: the connection failed.</exception>
    public static Task<long> PipeToAsync(this IWebSocketChannel channel, Stream destination, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(channel);
        ArgumentNullException.ThrowIfNull(destination);
        return ReceiveToStreamAsync(channel, destination, cancellationToken);
    }

    private static async Task<long> ReceiveToStreamAsync(IWebSocketChannel channel, Stream destination, CancellationToken cancellationToken)
    {
        long total = 0;
        await foreach (var message in channel.ReadAllAsync(cancellationToken).ConfigureAwait(false))
        {
            await destination.WriteAsync(message.Data, cancellationToken).ConfigureAwait(false);
            total += message.Data.Length;
        }

        await destination.FlushAsync(cancellationToken).ConfigureAwait(false);
        return total;
    }

    /// <summary>Writes the payload of every received message into <paramref name="destination"/>, flushing after each,
    /// until the channel's messages end or the pipe's reader completes; then completes the writer (with the error, if
    /// the connection failed).</summary>
    /// <param name="channel">The connection or client.</param>
    /// <param name="destination">Where the bytes go.</param>
    /// <param name="cancellationToken">Stops copying (not the connection).</param>
    /// <returns>How many bytes were written.</returns>
    /// <exception cref="ConnectionClosedException">In the task: the connection failed.</exception>
    public static Task<long> PipeToAsync(this IWebSocketChannel channel, PipeWriter destination, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(channel);
        ArgumentNullException.ThrowIfNull(destination);
        return ReceiveToPipeAsync(channel, destination, cancellationToken);
    }

    private static async Task<long> ReceiveToPipeAsync(IWebSocketChannel channel, PipeWriter destination, CancellationToken cancellationToken)
    {
        long total = 0;
        Exception? failure = null;
        try
        {
            await foreach (var message in channel.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                var flushed = await destination.WriteAsync(message.Data, cancellationToken).ConfigureAwait(false);
                total += message.Data.Length;
                if (flushed.IsCompleted)
                {
                    break;
                }
            }

            return total;
        }
        catch (Exception error)
        {
            failure = error;
            throw;
        }
        finally
        {
            await destination.CompleteAsync(failure).ConfigureAwait(false);
        }
    }
}
