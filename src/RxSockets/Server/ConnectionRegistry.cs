using System.Collections.Concurrent;
using RxSockets.Connection;

namespace RxSockets.Server;

/// <summary>The server's open connections: added when the handshake succeeds, removed when the connection ends.
/// Thread-safe.</summary>
internal sealed class ConnectionRegistry : IConnectionOwner
{
    private readonly ConcurrentDictionary<long, WebSocketConnection> _connections = new();
    private int _count;
    private int _reserved;

    public int Count => Volatile.Read(ref _count);

    public IReadOnlyCollection<WebSocketConnection> Snapshot => [.. _connections.Values];

    /// <summary>Reserves a place for a socket whose handshake is under way; false when the limit is reached.</summary>
    public bool TryReserve(int limit)
    {
        while (true)
        {
            var current = Volatile.Read(ref _reserved);
            if (current >= limit)
            {
                return false;
            }

            if (Interlocked.CompareExchange(ref _reserved, current + 1, current) == current)
            {
                return true;
            }
        }
    }

    /// <summary>Gives back a reservation whose handshake failed.</summary>
    public void Release() => Interlocked.Decrement(ref _reserved);

    /// <summary>Tracks an accepted connection (holding its reservation) until it ends.</summary>
    public void Add(WebSocketConnection connection)
    {
        _connections[connection.Id] = connection;
        Interlocked.Increment(ref _count);

        // The connection tells us when it closes, before Completion completes, so whoever awaits Completion sees the
        // count updated. One that closed before it knew us is removed here.
        connection.SetOwner(this);
        if (connection.State == ConnectionState.Closed)
        {
            Remove(connection);
        }
    }

    void IConnectionOwner.OnConnectionClosed(WebSocketConnection connection) => Remove(connection);

    private void Remove(WebSocketConnection connection)
    {
        if (_connections.TryRemove(connection.Id, out _))
        {
            Interlocked.Decrement(ref _count);
            Release();
        }
    }
}
