using System.Net;
using System.Net.Sockets;

namespace RxSockets.Transport;

/// <summary>A listening TCP socket on host:port (port 0 = ephemeral) and its accept loop.</summary>
internal sealed class Listener : IDisposable
{
    private readonly Socket _socket;

    private Listener(Socket socket)
    {
        _socket = socket;
        LocalEndPoint = (IPEndPoint)socket.LocalEndPoint!;   // bound: never null
    }

    public IPEndPoint LocalEndPoint { get; }

    /// <summary>Binds and listens.</summary>
    /// <exception cref="SocketException">The address is in use or cannot be bound.</exception>
    public static async ValueTask<Listener> StartAsync(string host, int port, int backlog, CancellationToken cancellationToken)
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
            return new Listener(socket);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>Accepts the next connection, with Nagle off.</summary>
    public async ValueTask<Socket> AcceptAsync(CancellationToken cancellationToken)
    {
        var socket = await _socket.AcceptAsync(cancellationToken).ConfigureAwait(false);
        socket.NoDelay = true;
        return socket;
    }

    public void Dispose() => _socket.Dispose();

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
