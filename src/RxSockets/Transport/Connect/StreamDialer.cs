using System.Net.Security;
using RxSockets.Transport.Sockets;

namespace RxSockets.Transport.Connect;

/// <summary>Opens the connections that need a .NET stream over the socket, so never run on the epoll backend:
/// wss:// (TLS) and anything through a proxy's tunnel.</summary>
internal static class StreamDialer
{
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
            stream = new System.Net.Sockets.NetworkStream(socket, ownsSocket: false);
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
}
