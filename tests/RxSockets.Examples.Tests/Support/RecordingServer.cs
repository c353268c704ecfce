using System.Collections.Concurrent;

namespace RxSockets.Examples.Tests.Support;

/// <summary>A loopback server that records what clients send (handshake requests and messages) and answers each
/// message with what <c>respond</c> returns (an echo by default).</summary>
internal sealed class RecordingServer : IAsyncDisposable
{
    private readonly WebSocketServer _server;
    private readonly Func<Message, Message[]> _respond;
    private readonly ConcurrentQueue<Message> _received = new();
    private readonly ConcurrentQueue<HandshakeRequest> _requests = new();
    private readonly ConcurrentBag<Task> _clients = [];

    private RecordingServer(WebSocketServer server, Func<Message, Message[]> respond)
    {
        _server = server;
        _respond = respond;
        server.Connections.Subscribe(connection => _clients.Add(ServeAsync(connection)));
    }

    public Uri Url => _server.Url;

    public IReadOnlyList<Message> Received => [.. _received];

    public IReadOnlyList<string> ReceivedTexts => [.. _received.Select(m => m.GetText())];

    public IReadOnlyList<HandshakeRequest> Requests => [.. _requests];

    public static async Task<RecordingServer> StartAsync(CancellationToken cancellationToken, Func<Message, Message[]>? respond = null,
        WebSocketServerOptions? options = null) =>
        new(await WebSocketServer.StartAsync(options ?? new WebSocketServerOptions(), cancellationToken), respond ?? (m => [m]));

    public async ValueTask DisposeAsync()
    {
        await _server.DisposeAsync();
        await Task.WhenAll(_clients);
    }

    private async Task ServeAsync(WebSocketConnection connection)
    {
        if (connection.Request is { } request)
        {
            _requests.Enqueue(request);
        }

        try
        {
            await foreach (var message in connection.ReadAllAsync())
            {
                _received.Enqueue(message);
                foreach (var reply in _respond(message))
                {
                    await connection.SendAsync(reply);
                }
            }
        }
        catch (ConnectionClosedException)
        {
            // The client went away abruptly; what it sent is recorded.
        }
    }
}
