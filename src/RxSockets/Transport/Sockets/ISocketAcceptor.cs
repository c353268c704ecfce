namespace RxSockets.Transport.Sockets;

/// <summary>The accept loop of one listening socket on one <see cref="ISocketBackend"/>. One accept at a time.</summary>
internal interface ISocketAcceptor : IDisposable
{
    /// <summary>Accepts the next connection, with Nagle off.</summary>
    ValueTask<AcceptedSocket> AcceptAsync(CancellationToken cancellationToken);
}
