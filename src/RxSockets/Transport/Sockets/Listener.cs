using System.Net;
using System.Net.Sockets;
using RxSockets.Transport.Epoll;

namespace RxSockets.Transport.Sockets;

/// <summary>A listening TCP socket on host:port (port 0 = ephemeral) and its accept loop.</summary>
internal sealed class Listener : IDisposable
{
    private readonly Socket _socket;
    private readonly EpollAcceptor? _epoll;

    private Listener(Socket socket, EpollAcceptor? epoll)
    {
        _socket = socket;
        _epoll = epoll;
        LocalEndPoint = (IPEndPoint)socket.LocalEndPoint!;   // bound: never null
    }

    public IPEndPoint LocalEndPoint { get; }

    /// <summary>Binds and listens.</summary>
    /// <exception cref="SocketException">The address is in use or cannot be bound.</exception>
    public static async ValueTask<Listener> StartAsync(string host, int port, int backlog, bool useEpoll, CancellationToken cancellationToken)
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
            var engine = useEpoll && EpollTransport.Enabled ? EpollEngine.Shared : null;
            return new Listener(socket, engine is null ? null : new EpollAcceptor(engine, socket));
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>Accepts the next connection, with Nagle off.</summary>
    public async ValueTask<AcceptedSocket> AcceptAsync(CancellationToken cancellationToken)
    {
        if (_epoll is not null)
        {
            return new AcceptedSocket(null, await _epoll.AcceptAsync(cancellationToken).ConfigureAwait(false));
        }

        var socket = await _socket.AcceptAsync(cancellationToken).ConfigureAwait(false);
        socket.NoDelay = true;
        return new AcceptedSocket(socket, null);
    }

    public void Dispose()
    {
        _epoll?.Dispose();
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
