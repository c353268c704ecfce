using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace RxSockets.Tests.Support;

/// <summary>
/// A fault-injecting TCP proxy on 127.0.0.1: forwards bytes between each client and <c>upstream</c>, and into each of
/// the first <c>maxFaults</c> connections injects one fault (<see cref="ChaosFault"/>) after a number of forwarded
/// bytes drawn between <c>minBytes</c> and <c>maxBytes</c>. Connections after that forward cleanly, so a test always
/// ends. Everything random comes from one seeded <see cref="Random"/> drawn in accept order: the same seed gives the
/// same fault plan (kind and byte offset per connection).
/// </summary>
internal sealed class ChaosProxy : IAsyncDisposable
{
    private readonly Socket _listener;
    private readonly IPEndPoint _upstream;
    private readonly Random _random;
    private readonly int _maxFaults;
    private readonly long _minBytes;
    private readonly long _maxBytes;
    private readonly ConcurrentDictionary<ChaosLink, Task> _links = new();
    private readonly ConcurrentQueue<ChaosFault> _planned = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _acceptLoop;
    private int _accepted;

    public ChaosProxy(IPEndPoint upstream, int seed, int maxFaults, long minBytes, long maxBytes)
    {
        _upstream = upstream;
        _random = new Random(seed);
        _maxFaults = maxFaults;
        _minBytes = minBytes;
        _maxBytes = maxBytes;
        _listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        _listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _listener.Listen(16);
        _acceptLoop = AcceptLoopAsync();
    }

    /// <summary>The proxy's address.</summary>
    public IPEndPoint EndPoint => (IPEndPoint)_listener.LocalEndPoint!;   // bound in the constructor

    /// <summary>The faults planned so far, in connection order.</summary>
    public IReadOnlyCollection<ChaosFault> Faults => _planned;

    /// <summary>Connections accepted so far.</summary>
    public int Accepted => Volatile.Read(ref _accepted);

    /// <summary>The same URL, pointing at the proxy.</summary>
    public Uri Rewrite(Uri url) => new UriBuilder(url) { Host = "127.0.0.1", Port = EndPoint.Port }.Uri;

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Dispose();
        await _acceptLoop;
        foreach (var link in _links.Keys)
        {
            link.Close(reset: true);
        }

        await Task.WhenAll(_links.Values);
        _stop.Dispose();
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _listener.AcceptAsync(_stop.Token);
            }
            catch (Exception error) when (error is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            var index = Interlocked.Increment(ref _accepted);
            ChaosFault? fault = null;
            var budget = 0L;
            if (index <= _maxFaults)
            {
                fault = (ChaosFault)_random.Next(3);
                budget = _random.NextInt64(_minBytes, _maxBytes + 1);
                _planned.Enqueue(fault.Value);
            }

            var server = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                client.NoDelay = true;   // throws when the client already reset the connection
                await server.ConnectAsync(_upstream, _stop.Token);
            }
            catch (Exception error) when (error is OperationCanceledException or SocketException)
            {
                client.Dispose();
                server.Dispose();
                continue;
            }

            var link = new ChaosLink(client, server, fault, budget, new Random(_random.Next()));
            _links[link] = link.RunAsync();
        }
    }
}
