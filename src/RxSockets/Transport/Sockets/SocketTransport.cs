using System.IO.Pipelines;
using System.Net;
using System.Net.Security;
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

    /// <summary>Connects a socket along <paramref name="route"/> (directly, trying every address the host resolves to,
    /// or through a proxy's tunnel) with Nagle off, then runs TLS over it when <paramref name="tlsHost"/> names the
    /// server to authenticate, with <paramref name="tlsOptions"/> (null for the defaults; see <see cref="ClientTls"/>).</summary>
    public static async ValueTask<SocketTransport> ConnectAsync(
        ClientRoute route, string? tlsHost, SslClientAuthenticationOptions? tlsOptions, CancellationToken cancellationToken)
    {
        var socket = await route.ConnectAsync(cancellationToken).ConfigureAwait(false);
        Stream? stream = null;
        try
        {
            stream = new NetworkStream(socket, ownsSocket: false);
            if (tlsHost is not null)
            {
                var tls = new SslStream(stream, leaveInnerStreamOpen: false);
                stream = tls;
                await ClientTls.AuthenticateAsync(tls, tlsOptions, tlsHost, cancellationToken).ConfigureAwait(false);
                Diagnostics.RxSocketsActivity.ConnectEvent("rxsockets.tls.established", "tls.protocol.version", tls.SslProtocol.ToString());
            }

            return new SocketTransport(socket, stream);
        }
        catch
        {
            if (stream is not null)
            {
                await stream.DisposeAsync().ConfigureAwait(false);   // a failed TLS handshake leaves an SslStream to release
            }

            socket.Dispose();
            throw;
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
