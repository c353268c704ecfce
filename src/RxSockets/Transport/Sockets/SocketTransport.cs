using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using RxSockets.Transport.Connect;

namespace RxSockets.Transport.Sockets;

/// <summary>
/// A connected socket (optionally wrapped in TLS) as an <see cref="IDuplexPipe"/>. Reads use zero-byte reads, so an
/// idle connection holds no receive buffer; writes are buffered until the session flushes, so frames queued together
/// leave in one send.
/// </summary>
internal sealed class SocketTransport : ITransport
{
    private readonly Socket _socket;
    private readonly Stream _stream;
    private int _closed;

    public SocketTransport(Socket socket, Stream stream)
    {
        _socket = socket;
        _stream = stream;
        Input = PipeReader.Create(stream, new StreamPipeReaderOptions(bufferSize: 16 * 1024, minimumReadSize: 2048, leaveOpen: true, useZeroByteReads: true));
        Output = PipeWriter.Create(stream, new StreamPipeWriterOptions(minimumBufferSize: 16 * 1024, leaveOpen: true));
    }

    public PipeReader Input { get; }

    public PipeWriter Output { get; }

    public Socket Socket => _socket;

    public IPEndPoint? RemoteEndPoint => PeerOf(_socket);

    /// <summary>The peer's address, or null when the connection is already gone (reading
    /// <see cref="System.Net.Sockets.Socket.RemoteEndPoint"/> of a reset socket throws).</summary>
    public static IPEndPoint? PeerOf(Socket socket)
    {
        try
        {
            return socket.RemoteEndPoint as IPEndPoint;
        }
        catch (Exception error) when (error is SocketException or ObjectDisposedException)
        {
            return null;
        }
    }

    public void ShutdownOutput()
    {
        try
        {
            _socket.Shutdown(SocketShutdown.Send);
        }
        catch (Exception error) when (error is SocketException or ObjectDisposedException)
        {
            // Already reset or closed: there is nothing left to half-close.
        }
    }

    public async ValueTask CloseAsync(bool shutdownFirst)
    {
        if (Interlocked.Exchange(ref _closed, 1) == 1)
        {
            return;
        }

        try
        {
            if (shutdownFirst)
            {
                _socket.Shutdown(SocketShutdown.Send);
            }
        }
        catch (SocketException)
        {
            // Already reset by the peer: closing is all that is left.
        }
        finally
        {
            await Input.CompleteAsync().ConfigureAwait(false);
            await Output.CompleteAsync().ConfigureAwait(false);
            await _stream.DisposeAsync().ConfigureAwait(false);
            _socket.Dispose();
        }
    }
}
