using System.Net;
using System.Net.Sockets;

namespace RxSockets.Transport.Sockets;

/// <summary>The backend on <see cref="Socket"/>: what runs everywhere, and what carries TLS and proxy tunnels, which
/// need a .NET stream over the socket.</summary>
internal sealed class DotNetSocketBackend : ISocketBackend
{
    public static DotNetSocketBackend Instance { get; } = new();

    private DotNetSocketBackend()
    {
    }

    public async ValueTask<ITransport> ConnectAsync(IPEndPoint endPoint, CancellationToken cancellationToken)
    {
        var socket = await ConnectSocketAsync(endPoint, cancellationToken).ConfigureAwait(false);
        try
        {
            return new SocketTransport(socket, new NetworkStream(socket, ownsSocket: false));
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    public ISocketAcceptor Listen(Socket listening) => new DotNetSocketAcceptor(listening);

    /// <summary>Connects a bare socket to one address, with Nagle off (for TLS or a proxy tunnel on top).</summary>
    /// <exception cref="SocketException">The connection failed.</exception>
    public static async ValueTask<Socket> ConnectSocketAsync(IPEndPoint endPoint, CancellationToken cancellationToken)
    {
        var socket = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(endPoint, cancellationToken).ConfigureAwait(false);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}
