using System.Net;
using System.Net.Sockets;
using RxSockets.Transport.Sockets;

namespace RxSockets.Transport.Epoll;

/// <summary>The backend on our own epoll loop: connections are <see cref="EpollSocket"/>s, ready transports that need
/// no stream on top (so plain TCP only: no TLS, no proxy tunnel).</summary>
internal sealed class EpollBackend(EpollEngine engine) : ISocketBackend
{
    public async ValueTask<ITransport> ConnectAsync(IPEndPoint endPoint, CancellationToken cancellationToken) =>
        await EpollConnector.ConnectAsync(engine, endPoint, cancellationToken).ConfigureAwait(false);

    public ISocketAcceptor Listen(Socket listening) => new EpollAcceptor(engine, listening);
}
