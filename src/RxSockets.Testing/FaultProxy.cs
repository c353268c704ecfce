using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace RxSockets.Testing;

/// <summary>
/// A TCP proxy on 127.0.0.1 in front of a real server, with faults a test switches on and off: <see cref="Stall"/>,
/// <see cref="Drop"/>, <see cref="Cut"/>, <see cref="RefuseConnections"/>. Point a client at <see cref="Rewrite"/> of
/// the server's URL: this is how to test a <see cref="WebSocketClient"/> (which connects by URL) losing its server,
/// backing off and reconnecting, with its timers on a virtual clock.
/// </summary>
/// <remarks>The faults act on every connection through the proxy, current and future, on raw bytes (the proxy knows
/// nothing of frames): after <see cref="Drop"/>, a connection's stream has lost bytes and cannot recover, so drop is
/// for a peer that must be declared dead. Loopback only; thread-safe.</remarks>
public sealed class FaultProxy : IAsyncDisposable
{
    private readonly Lock _gate = new();
    private readonly Socket _listener;
    private readonly IPEndPoint _upstream;
    private readonly ConcurrentDictionary<ProxyLink, Task> _links = new();
    private readonly List<(int Count, TaskCompletionSource Signal)> _waiters = [];
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _acceptLoop;
    private TaskCompletionSource _flowing = Flowing();
    private bool _dropping;
    private bool _refusing;
    private int _accepted;

    /// <summary>Starts listening on 127.0.0.1 (a free port) in front of <paramref name="upstream"/>.</summary>
    /// <param name="upstream">The real server, such as <see cref="WebSocketServer.LocalEndPoint"/>.</param>
    /// <exception cref="ArgumentException"><paramref name="upstream"/> is not a loopback address.</exception>
    public FaultProxy(IPEndPoint upstream)
    {
        ArgumentNullException.ThrowIfNull(upstream);
        if (!IPAddress.IsLoopback(upstream.Address))
        {
            throw new ArgumentException($"The proxy forwards to loopback addresses only (got {upstream}).", nameof(upstream));
        }

        _upstream = upstream;
        _listener = new Socket(upstream.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        _listener.Bind(new IPEndPoint(upstream.AddressFamily == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Loopback : IPAddress.Loopback, 0));
        _listener.Listen(64);
        _acceptLoop = AcceptLoopAsync();
    }

    /// <summary>The proxy's own address.</summary>
    public IPEndPoint EndPoint => (IPEndPoint)_listener.LocalEndPoint!;   // bound in the constructor

    /// <summary>The connections accepted so far (refused ones included).</summary>
    public int Accepted => Volatile.Read(ref _accepted);

    /// <summary>Whether traffic is held (<see cref="Stall"/>).</summary>
    public bool IsStalled => !WhenFlowingAsync().IsCompleted;

    /// <summary>Whether traffic is discarded (<see cref="Drop"/>).</summary>
    public bool IsDropping
    {
        get
        {
            lock (_gate)
            {
                return _dropping;
            }
        }
    }

    /// <summary>The same URL with the proxy's host and port: give it to the client instead of the server's.</summary>
    /// <param name="url">The server's URL, such as <see cref="WebSocketServer.Url"/>.</param>
    /// <returns>The URL through the proxy.</returns>
    public Uri Rewrite(Uri url)
    {
        ArgumentNullException.ThrowIfNull(url);
        return new UriBuilder(url) { Host = EndPoint.Address.ToString(), Port = EndPoint.Port }.Uri;
    }

    /// <summary>Holds all traffic, both ways, until <see cref="Resume"/>: the proxy stops reading, so senders' buffers
    /// fill as behind a network that went silent. Keepalives on both ends see nothing.</summary>
    public void Stall()
    {
        lock (_gate)
        {
            if (_flowing.Task.IsCompleted)
            {
                _flowing = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            }
        }
    }

    /// <summary>Ends <see cref="Stall"/> (what was held goes on, in order) and <see cref="Drop"/>.</summary>
    public void Resume()
    {
        TaskCompletionSource flowing;
        lock (_gate)
        {
            _dropping = false;
            flowing = _flowing;
        }

        flowing.TrySetResult();
    }

    /// <summary>Discards all traffic, both ways, until <see cref="Resume"/>, while the senders see it go: a black
    /// hole. The connections through the proxy cannot recover from it (bytes of their frames are lost).</summary>
    public void Drop()
    {
        lock (_gate)
        {
            _dropping = true;
        }
    }

    /// <summary>Resets every connection through the proxy now (new ones still pass, unless refused): the client sees
    /// its connection fail (1006) and, if it reconnects, comes back through the proxy.</summary>
    public void Cut()
    {
        foreach (var link in _links.Keys)
        {
            link.Close(reset: true);
        }
    }

    /// <summary>Resets every new connection at once, as a server that is down (until
    /// <see cref="AcceptConnections"/>): a reconnecting client's attempts fail and it backs off.</summary>
    public void RefuseConnections()
    {
        lock (_gate)
        {
            _refusing = true;
        }
    }

    /// <summary>Forwards new connections again (the default).</summary>
    public void AcceptConnections()
    {
        lock (_gate)
        {
            _refusing = false;
        }
    }

    /// <summary>Completes once <paramref name="count"/> connections have been accepted in all (refused ones
    /// included): a test awaits it to know a client's attempt has reached the proxy.</summary>
    /// <param name="count">The total to wait for; at least 1.</param>
    /// <param name="cancellationToken">Stops waiting.</param>
    /// <returns>A task that completes when the count is reached.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="count"/> is below 1.</exception>
    public Task WaitForConnectionsAsync(int count, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        lock (_gate)
        {
            if (_accepted >= count)
            {
                return Task.CompletedTask;
            }

            var signal = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((count, signal));
            return signal.Task.WaitAsync(cancellationToken);
        }
    }

    /// <summary>Stops listening, resets every connection and waits for the pumps to stop.</summary>
    /// <returns>A task that completes when nothing runs any more.</returns>
    public async ValueTask DisposeAsync()
    {
        if (_stop.IsCancellationRequested)
        {
            return;
        }

        await _stop.CancelAsync().ConfigureAwait(false);
        _listener.Dispose();
        await _acceptLoop.ConfigureAwait(false);
        Resume();   // a held pump wakes to see its sockets closed
        Cut();
        await Task.WhenAll(_links.Values).ConfigureAwait(false);
        _stop.Dispose();
    }

    /// <inheritdoc/>
    public override string ToString() => $"FaultProxy {EndPoint} -> {_upstream} ({Accepted} accepted)";

    internal Task WhenFlowingAsync()
    {
        lock (_gate)
        {
            return _flowing.Task;
        }
    }

    internal static void Close(Socket socket, bool reset)
    {
        try
        {
            if (reset)
            {
                socket.LingerState = new LingerOption(true, 0);   // close sends RST, not FIN
            }
        }
        catch (SocketException)
        {
            // Already reset by the other side: it is gone either way.
        }

        socket.Dispose();
    }

    private async Task AcceptLoopAsync()
    {
        while (true)
        {
            Socket client;
            try
            {
                client = await _listener.AcceptAsync(_stop.Token).ConfigureAwait(false);
            }
            catch (Exception error) when (error is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            if (CountAccepted())
            {
                Close(client, reset: true);
                continue;
            }

            var upstream = new Socket(_upstream.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                client.NoDelay = true;   // throws when the client already reset the connection
                await upstream.ConnectAsync(_upstream, _stop.Token).ConfigureAwait(false);
            }
            catch (Exception error) when (error is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                Close(client, reset: true);   // the server is down: the client sees its attempt fail
                upstream.Dispose();
                continue;
            }

            // Listed before it runs: once its pumps relay the handshake, a test may Cut at once, and Cut must see it.
            var link = new ProxyLink(this, client, upstream);
            _links[link] = Task.CompletedTask;
            var running = RunAsync(link);
            _links.TryUpdate(link, running, Task.CompletedTask);   // unless it has already ended and left the list
        }
    }

    private async Task RunAsync(ProxyLink link)
    {
        await Task.Yield();   // off the accept loop
        await link.RunAsync().ConfigureAwait(false);
        _links.TryRemove(link, out _);
    }

    /// <summary>Counts one accepted connection, wakes the waiters it satisfies, and tells whether to refuse it.</summary>
    private bool CountAccepted()
    {
        lock (_gate)
        {
            _accepted++;
            for (var i = _waiters.Count - 1; i >= 0; i--)
            {
                if (_waiters[i].Count <= _accepted)
                {
                    _waiters[i].Signal.TrySetResult();
                    _waiters.RemoveAt(i);
                }
            }

            return _refusing;
        }
    }

    private static TaskCompletionSource Flowing()
    {
        var flowing = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        flowing.TrySetResult();
        return flowing;
    }
}
