using System.Net;
using System.Net.Sockets;

namespace RxSockets.Tests.Transport.Epoll;

/// <summary>A loopback listener whose accept queue is full (backlog 0, one connection never accepted): the kernel
/// drops further SYNs, so a connect to it stays in progress (retrying) for seconds, which is what a test of
/// cancelling or timing out a connect needs.</summary>
internal sealed class FullBacklogListener : IDisposable
{
    private readonly Socket _listener;
    private readonly Socket _filler;

    private FullBacklogListener(Socket listener, Socket filler)
    {
        _listener = listener;
        _filler = filler;
    }

    public IPEndPoint EndPoint => (IPEndPoint)_listener.LocalEndPoint!;   // bound: never null

    public static async Task<FullBacklogListener> CreateAsync(CancellationToken cancellationToken)
    {
        var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(0);
        var filler = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await filler.ConnectAsync(listener.LocalEndPoint!, cancellationToken);
        return new FullBacklogListener(listener, filler);
    }

    public void Dispose()
    {
        _filler.Dispose();
        _listener.Dispose();
    }
}
