using System.Net;
using RxSockets.Connection;
using RxSockets.Transport;
using RxSockets.Transport.Accept;

namespace RxSockets.Server;

/// <summary>The server's open connections: added when the handshake succeeds, removed when the connection ends, when
/// it gives back the place <see cref="Admission"/> reserved for it. Thread-safe: a lock around an intrusive list
/// through the connections themselves (<see cref="WebSocketConnection.RegistryNext"/>), which costs a connection two
/// references instead of a dictionary node and bucket (48 + 14 B).</summary>
internal sealed class ConnectionRegistry(Admission admission) : IConnectionOwner
{
    private readonly Lock _lock = new();
    private WebSocketConnection? _head;
    private int _count;
    private int _version;
    private Recipients? _recipients;

    public int Count => Volatile.Read(ref _count);

    public IReadOnlyCollection<WebSocketConnection> Snapshot => Copy();

    /// <summary>The open connections for a broadcast: one array, made again only after a connection came or went, so
    /// a steady stream of broadcasts copies (and allocates) nothing. Shared and never changed: read it, do not keep it.</summary>
    public WebSocketConnection[] BroadcastSnapshot
    {
        get
        {
            var version = Volatile.Read(ref _version);
            if (Volatile.Read(ref _recipients) is { } cached && cached.Version == version)
            {
                return cached.Connections;
            }

            // A connection added or removed while this copy is made bumps the version after changing the dictionary:
            // the copy may already hold the change, but is tagged older, so the next broadcast makes it again.
            var connections = Copy();
            Volatile.Write(ref _recipients, new Recipients(version, connections));
            return connections;
        }
    }

    /// <summary>Tracks an accepted connection from <paramref name="address"/> (holding the place its handshake took)
    /// until it ends.</summary>
    public void Add(WebSocketConnection connection, IPAddress? address)
    {
        lock (_lock)
        {
            IntrusiveList.AddFirst(ref _head, connection);
            _count++;
            Interlocked.Increment(ref _version);
        }

        // The connection tells us when it closes, before Completion completes, so whoever awaits Completion sees the
        // count updated. One that closed before it knew us is removed here.
        connection.SetOwner(this);
        if (connection.State == ConnectionState.Closed)
        {
            Remove(connection);
        }

        if (admission.LimitsAddresses && address is not null)
        {
            ReleaseAddressOnClose(connection, address);
        }
    }

    void IConnectionOwner.OnConnectionClosed(WebSocketConnection connection) => Remove(connection);

    // A method of its own: the closure it needs is then made only when there is a per-address limit, not per call.
    private void ReleaseAddressOnClose(WebSocketConnection connection, IPAddress address) =>
        connection.States.Subscribe(state =>
        {
            if (state == ConnectionState.Closed)
            {
                admission.ReleaseAddress(address);
            }
        });

    private void Remove(WebSocketConnection connection)
    {
        lock (_lock)
        {
            if (!IntrusiveList.TryRemove(ref _head, connection))
            {
                return;   // removed already (or never added)
            }

            _count--;
            Interlocked.Increment(ref _version);
        }

        admission.Release();
    }

    /// <summary>The open connections, newest first.</summary>
    private WebSocketConnection[] Copy()
    {
        lock (_lock)
        {
            var connections = new WebSocketConnection[_count];
            var i = 0;
            for (var connection = _head; connection is not null; connection = connection.RegistryNext)
            {
                connections[i++] = connection;
            }

            return connections;
        }
    }

    private sealed record Recipients(int Version, WebSocketConnection[] Connections);
}
