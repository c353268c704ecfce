using System.Collections.Concurrent;
using System.Net;
using RxSockets.Server;

namespace RxSockets.Transport.Accept;

/// <summary>
/// Who may become a connection: the server-wide <see cref="WebSocketServerOptions.MaxConnections"/> (503) and the
/// per-address <see cref="WebSocketServerOptions.MaxConnectionsPerAddress"/> (429). A place is taken once the upgrade
/// request has arrived (before the verification hook and the 101), and given back when the handshake fails or when the
/// connection closes; sockets whose request is still arriving are bounded by the pending budget instead (see
/// <see cref="Transport.HandshakeClock"/>). Thread-safe and lock-free.
/// </summary>
internal sealed class Admission(ConnectionRegistry registry, WebSocketServerOptions options)
{
    private static readonly HandshakeRejection s_full = new(503, "the server is at its connection limit");
    private static readonly HandshakeRejection s_tooManyFromAddress = new(429, "too many connections from this address");

    private readonly ConcurrentDictionary<IPAddress, int> _perAddress = new();

    /// <summary>The key an endpoint counts under: its address, IPv4-mapped IPv6 folded to IPv4.</summary>
    public static IPAddress? AddressOf(EndPoint? endPoint) =>
        endPoint is IPEndPoint { Address: var address } ? (address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address) : null;

    /// <summary>Takes a place for a connection from <paramref name="address"/> whose request arrived, or says how to
    /// refuse it.</summary>
    public HandshakeRejection? TryEnter(IPAddress? address)
    {
        if (!registry.TryReserve(options.MaxConnections))
        {
            return s_full;
        }

        if (options.MaxConnectionsPerAddress > 0 && address is not null && !TryTakeAddress(address))
        {
            registry.Release();
            return s_tooManyFromAddress;
        }

        return null;
    }

    /// <summary>Gives back the place of a handshake that failed.</summary>
    public void Leave(IPAddress? address)
    {
        registry.Release();
        ReleaseAddress(address);
    }

    /// <summary>Registers an accepted connection; its place is given back when it closes.</summary>
    public void Register(WebSocketConnection connection, IPAddress? address)
    {
        registry.Add(connection);
        if (options.MaxConnectionsPerAddress > 0 && address is not null)
        {
            ReleaseAddressOnClose(connection, address);
        }
    }

    // A method of its own: the closure it needs is then made only when there is a per-address limit, not per call.
    private void ReleaseAddressOnClose(WebSocketConnection connection, IPAddress address) =>
        connection.States.Subscribe(state =>
        {
            if (state == ConnectionState.Closed)
            {
                ReleaseAddress(address);
            }
        });

    private bool TryTakeAddress(IPAddress address)
    {
        while (true)
        {
            var current = _perAddress.GetOrAdd(address, 0);
            if (current >= options.MaxConnectionsPerAddress)
            {
                return false;
            }

            if (_perAddress.TryUpdate(address, current + 1, current))
            {
                return true;
            }
        }
    }

    private void ReleaseAddress(IPAddress? address)
    {
        if (options.MaxConnectionsPerAddress == 0 || address is null)
        {
            return;
        }

        while (_perAddress.TryGetValue(address, out var current))
        {
            if (current <= 1 ? _perAddress.TryRemove(new KeyValuePair<IPAddress, int>(address, current)) : _perAddress.TryUpdate(address, current - 1, current))
            {
                return;
            }
        }
    }
}
