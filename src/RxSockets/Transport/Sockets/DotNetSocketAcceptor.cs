using System.Net.Sockets;

namespace RxSockets.Transport.Sockets;

/// <summary>Accepts with <see cref="Socket.AcceptAsync(CancellationToken)"/> and hands each connection out as a bare
/// socket, for the acceptor to wrap in a stream (and TLS).</summary>
internal sealed class DotNetSocketAcceptor(Socket listening) : ISocketAcceptor
{
    public async ValueTask<AcceptedSocket> AcceptAsync(CancellationToken cancellationToken)
    {
        var socket = await listening.AcceptAsync(cancellationToken).ConfigureAwait(false);
        socket.NoDelay = true;
        return new AcceptedSocket(socket, null);
    }

    /// <summary>Nothing of its own to release: the listening socket is its owner's.</summary>
    public void Dispose()
    {
    }
}
