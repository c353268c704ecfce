using System.Net;
using System.Net.Sockets;
using RxSockets.Transport.Sockets;

namespace RxSockets.Transport.Connect;

/// <summary>Opens a TCP connection to a host, trying each address it resolves to in turn (IPv6 and IPv4 alike)
/// until one accepts, with Nagle off: as a .NET <see cref="Socket"/>, or through any other per-address connect (the
/// socket backend's).</summary>
internal static class TcpDialer
{
    /// <summary>Connects a .NET socket to <paramref name="host"/> (a name, or an IP literal with or without brackets).</summary>
    /// <exception cref="SocketException">No address accepted; the last address's error.</exception>
    public static ValueTask<Socket> ConnectAsync(
        string host, int port, Func<string, CancellationToken, Task<IPAddress[]>> resolve, CancellationToken cancellationToken) =>
        ConnectAsync(host, port, resolve, DotNetSocketBackend.ConnectSocketAsync, cancellationToken);

    /// <summary>Resolves <paramref name="host"/> and runs <paramref name="connect"/> on each address in turn until one
    /// succeeds. A <see cref="SocketException"/> moves on to the next address; anything else (cancellation) ends the
    /// dial at once.</summary>
    /// <exception cref="SocketException">No address accepted; the last address's error.</exception>
    public static async ValueTask<T> ConnectAsync<T>(
        string host, int port, Func<string, CancellationToken, Task<IPAddress[]>> resolve,
        Func<IPEndPoint, CancellationToken, ValueTask<T>> connect, CancellationToken cancellationToken)
    {
        var literal = host.Trim('[', ']');
        var addresses = IPAddress.TryParse(literal, out var address)
            ? [address]
            : await resolve(host, cancellationToken).ConfigureAwait(false);
        if (addresses.Length == 0)
        {
            throw new SocketException((int)SocketError.HostNotFound);
        }

        if (address is null)
        {
            Diagnostics.RxSocketsActivity.ConnectEvent("rxsockets.dns.resolved", "rxsockets.dns.address_count", addresses.Length);
        }

        SocketException? last = null;
        foreach (var candidate in addresses)
        {
            try
            {
                var connected = await connect(new IPEndPoint(candidate, port), cancellationToken).ConfigureAwait(false);
                Diagnostics.RxSocketsActivity.ConnectEvent("rxsockets.tcp.connected", "network.peer.address", candidate.ToString());
                return connected;
            }
            catch (SocketException error)
            {
                last = error;
            }
        }

        throw last!;   // the loop ran at least once, and every failed attempt set it
    }
}
