using System.Net.Sockets;
using System.Reactive.Concurrency;
using System.Threading.Channels;
using RxSockets.Tests.Support;

namespace RxSockets.Tests.Client;

/// <summary>Stands in for the network behind a <see cref="WebSocketClient"/>: each attempt is recorded with its virtual
/// time, then fails as scripted or opens an in-memory connection whose server end the test drives as a
/// <see cref="RawPeer"/>.
/// Disposing it ends every peer's stream (so no close handshake waits on a virtual clock nobody advances), then
/// disposes the client.</summary>
internal sealed class FakeConnector(IScheduler clock) : IAsyncDisposable
{
    private readonly List<RawPeer> _opened = [];

    private readonly Channel<RawPeer> _peers = Channel.CreateUnbounded<RawPeer>();
    private readonly Lock _gate = new();
    private readonly List<(DateTimeOffset Time, Uri Url, WebSocketClientOptions Options)> _attempts = [];

    /// <summary>Decides, by attempt index from 0, whether the attempt fails (and how); null succeeds.</summary>
    public Func<int, Exception?> Failure { get; set; } = _ => null;

    public int Calls
    {
        get
        {
            lock (_gate)
            {
                return _attempts.Count;
            }
        }
    }

    public IReadOnlyList<(DateTimeOffset Time, Uri Url, WebSocketClientOptions Options)> Attempts
    {
        get
        {
            lock (_gate)
            {
                return [.. _attempts];
            }
        }
    }

    public WebSocketClient? Client { get; private set; }

    public static SocketException Refused() => new((int)SocketError.ConnectionRefused);

    /// <summary>Creates a client wired to this connector, on <paramref name="clock"/>, keepalive off unless configured.</summary>
    public static (WebSocketClient Client, FakeConnector Connector) CreateClient(
        IScheduler clock, Action<WebSocketClientOptions>? configure = null, ReconnectOptions? reconnect = null)
    {
        var options = new WebSocketClientOptions { Scheduler = clock, KeepAliveInterval = Timeout.InfiniteTimeSpan };
        configure?.Invoke(options);
        var connector = new FakeConnector(clock);
        var client = new WebSocketClient(new Uri("ws://fake.test/feed"), options, reconnect) { Connector = connector.ConnectAsync };
        connector.Client = client;
        return (client, connector);
    }

    /// <summary>Ends the client's first connection from the server's side, then waits until the client announced its
    /// first reconnect.</summary>
    public async Task DropFirstConnectionAsync(EventLog log, CancellationToken cancellationToken)
    {
        await (await NextPeerAsync(cancellationToken)).CompleteAsync();
        await log.WaitForAsync<ClientReconnecting>(1, cancellationToken);
    }

    public ValueTask<WebSocketConnection> ConnectAsync(Uri url, WebSocketClientOptions options, CancellationToken cancellationToken)
    {
        int index;
        lock (_gate)
        {
            index = _attempts.Count;
            _attempts.Add((clock.Now, url, options));
        }

        if (Failure(index) is { } error)
        {
            return ValueTask.FromException<WebSocketConnection>(error);
        }

        var (local, remote) = PipePair.Create();
        var connection = WebSocketConnection.Create(local, ConnectionRole.Client, options);
        var peer = RawPeer.Server(remote);
        lock (_gate)
        {
            _opened.Add(peer);
        }

        _peers.Writer.TryWrite(peer);
        return ValueTask.FromResult(connection);
    }

    public async ValueTask DisposeAsync()
    {
        RawPeer[] peers;
        lock (_gate)
        {
            peers = [.. _opened];
        }

        if (Client is { } client)
        {
            var disposing = client.DisposeAsync().AsTask();
            foreach (var peer in peers)
            {
                await peer.CompleteAsync();
            }

            await disposing;
        }
    }

    /// <summary>The server end of the next connection opened.</summary>
    public Task<RawPeer> NextPeerAsync(CancellationToken cancellationToken) => _peers.Reader.ReadAsync(cancellationToken).AsTask();
}
