using System.Net;
using System.Net.Sockets;
using RxSockets.Transport.Sockets;

namespace RxSockets.Transport.Sockets;

/// <summary>A listening TCP socket on host:port (port 0 = ephemeral) and its accept loop on a socket backend.</summary>
internal sealed class Listener : IDisposable
{
    private readonly Socket _socket;
    private readonly ISocketAcceptor _acceptor;

    private Listener(Socket socket, ISocketAcceptor acceptor)
    {
        _socket = socket;
        _acceptor = acceptor;
        LocalEndPoint = (IPEndPoint)socket.LocalEndPoint!;   // bound: never null
    }

    public IPEndPoint LocalEndPoint { get; }

    /// <summary>Binds and listens, accepting on <paramref name="backend"/>.</summary>
    /// <exception cref="SocketException">The address is in use or cannot be bound.</exception>
    public static async ValueTask<Listener> StartAsync(string host, int port, int backlog, ISocketBackend backend, CancellationToken cancellationToken)
    {
        var address = await ResolveAsync(host, cancellationToken).ConfigureAwait(false);
        var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            if (address.Equals(IPAddress.IPv6Any))
            {
                socket.DualMode = true;
            }

            socket.Bind(new IPEndPoint(address, port));
            socket.Listen(backlog);
            return new Listener(socket, backend.Listen(socket));
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>Accepts the next connection, with Nagle off.</summary>
    public ValueTask<AcceptedSocket> AcceptAsync(CancellationToken cancellationToken) => _acceptor.AcceptAsync(cancellationToken);

    public void Dispose()
    {
        _acceptor.Dispose();
        _socket.Dispose();
    }

    private static async ValueTask<IPAddress> ResolveAsync(string host, CancellationToken cancellationToken)
    {
        if (IPAddress.TryParse(host.Trim('[', ']'), out var literal))
        {
            return literal;
        }

        var addresses = await Dns.GetHostAddressesAsync(host, cancellationToken).ConfigureAwait(false);
        return addresses.FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork)
            ?? addresses.FirstOrDefault()
            ?? throw new ArgumentException($"The host '{host}' resolves to no address.", nameof(host));
    }
}
