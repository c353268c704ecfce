using System.Collections.Concurrent;
using System.Net;
using RxSockets.Server;

namespace RxSockets.Transport.Accept;

/// <summary>
/// Who may become a connection: the server-wide connection limit (503) and the per-address limit (429) of
/// <see cref="AcceptSettings"/>. A place is taken once the upgrade request has arrived (before the verification hook
/// and the 101), and given back when the handshake fails or when the connection closes (the surface's registry calls
/// <see cref="Release"/> and <see cref="ReleaseAddress"/> then); sockets whose request is still arriving are bounded by
/// the pending budget instead (see <see cref="Transport.HandshakeClock"/>). Thread-safe and lock-free.
/// </summary>
internal sealed class Admission(AcceptSettings settings)
{
    private static readonly HandshakeRejection s_full = new(503, "the server is at its connection limit");
    private static readonly HandshakeRejection s_tooManyFromAddress = new(429, "too many connections from this address");

    private readonly int _maxConnections = settings.MaxConnections;
    private readonly int _maxPerAddress = settings.MaxConnectionsPerAddress;
    private readonly ConcurrentDictionary<IPAddress, int> _perAddress = new();
    private int _reserved;

    /// <summary>Whether places are counted per address too (then a connection gives its address back when it closes).</summary>
    public bool LimitsAddresses => _maxPerAddress > 0;

    /// <summary>The key an endpoint counts under: its address, IPv4-mapped IPv6 folded to IPv4.</summary>
    public static IPAddress? AddressOf(EndPoint? endPoint) =>
        endPoint is IPEndPoint { Address: var address } ? (address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address) : null;

    /// <summary>Takes a place for a connection from <paramref name="address"/> whose request arrived, or says how to
    /// refuse it.</summary>
    public HandshakeRejection? TryEnter(IPAddress? address)
    {
        if (!TryReserve())
        {
            return s_full;
        }

        if (_maxPerAddress > 0 && address is not null && !TryTakeAddress(address))
        {
            Release();
            return s_tooManyFromAddress;
        }

        return null;
    }

    /// <summary>Gives back the place of a handshake that failed.</summary>
    public void Leave(IPAddress? address)
    {
        Release();
        ReleaseAddress(address);
    }

    /// <summary>Gives back the server-wide place of a connection that ended (or of a handshake that failed).</summary>
    public void Release() => Interlocked.Decrement(ref _reserved);

    /// <summary>Gives back the per-address place of a connection from <paramref name="address"/> that ended.</summary>
    public void ReleaseAddress(IPAddress? address)
    {
        if (_maxPerAddress == 0 || address is null)
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

    private bool TryReserve()
    {
        while (true)
        {
            var current = Volatile.Read(ref _reserved);
            if (current >= _maxConnections)
            {
                return false;
            }

            if (Interlocked.CompareExchange(ref _reserved, current + 1, current) == current)
            {
                return true;
            }
        }
    }

    private bool TryTakeAddress(IPAddress address)
    {
        while (true)
        {
            var current = _perAddress.GetOrAdd(address, 0);
            if (current >= _maxPerAddress)
            {
                return false;
            }

            if (_perAddress.TryUpdate(address, current + 1, current))
            {
                return true;
            }
        }
    }
}
