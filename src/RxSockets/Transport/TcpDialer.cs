using System.Net;
using System.Net.Sockets;

namespace RxSockets.Transport;

/// <summary>Opens a TCP connection to a host, trying each address it resolves to in turn (IPv6 and IPv4 alike)
/// until one accepts, with Nagle off.</summary>
internal static class TcpDialer
{
    /// <summary>Connects to <paramref name="host"/> (a name, or an IP literal with or without brackets).</summary>
    /// <exception cref="SocketException">No address accepted; the last address's error.</exception>
    public static async ValueTask<Socket> ConnectAsync(
        string host, int port, Func<string, CancellationToken, Task<IPAddress[]>> resolve, CancellationToken cancellationToken)
    {
        var literal = host.Trim('[', ']');
        var addresses = IPAddress.TryParse(literal, out var address)
            ? [address]
            : await resolve(host, cancellationToken).ConfigureAwait(false);
        if (addresses.Length == 0)
        {
            throw new SocketException((int)SocketError.HostNotFound);
        }

        SocketException? last = null;
        foreach (var candidate in addresses)
        {
            var socket = new Socket(candidate.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await socket.ConnectAsync(new IPEndPoint(candidate, port), cancellationToken).ConfigureAwait(false);
                return socket;
            }
            catch (SocketException error)
            {
                socket.Dispose();
                last = error;
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        }

        throw last!;   // the loop ran at least once, and every failed attempt set it
    }
}
