using System.Collections.Concurrent;

namespace RxSockets.Examples;

/// <summary>A chat room: a newcomer is welcomed, the others hear who joined and left, and every message goes to
/// everyone except its sender. Clients name themselves with <c>?name=alice</c>.</summary>
public sealed class ChatServer : IAsyncDisposable
{
    private readonly WebSocketServer _server;
    private readonly TextWriter _log;
    private readonly ConcurrentBag<Task> _members = [];
    private readonly IDisposable _subscription;

    private ChatServer(WebSocketServer server, TextWriter log)
    {
        _server = server;
        _log = log;
        _subscription = server.Connections.Subscribe(connection => _members.Add(ServeAsync(connection)));
    }

    /// <summary>The URL clients connect to (add <c>?name=…</c>).</summary>
    public Uri Url => _server.Url;

    /// <summary>Starts the chat server.</summary>
    /// <param name="options">Where to listen; null for 127.0.0.1 on a free port.</param>
    /// <param name="log">Where joins and leaves are written; null for nowhere.</param>
    /// <param name="cancellationToken">Cancels the start.</param>
    public static async Task<ChatServer> StartAsync(WebSocketServerOptions? options = null, TextWriter? log = null,
        CancellationToken cancellationToken = default)
    {
        var server = await WebSocketServer.StartAsync(options ?? new WebSocketServerOptions(), cancellationToken);
        return new ChatServer(server, log ?? TextWriter.Null);
    }

    /// <summary>Stops the server and waits for every member's loop to end.</summary>
    public async ValueTask DisposeAsync()
    {
        await _server.DisposeAsync();
        _subscription.Dispose();
        await Task.WhenAll(_members);
    }

    private async Task ServeAsync(WebSocketConnection member)
    {
        var name = member.Request?.GetQueryValue("name") ?? $"user{member.Id}";
        _log.WriteLine($"[chat] {name} joined");
        try
        {
            // Announce first, welcome second: once the newcomer reads the welcome, the others have been told.
            await _server.BroadcastAsync(Message.Text($"{name} joined"), others => others != member);
            await member.SendAsync($"Welcome, {name}! {_server.ClientCount} user(s) online.");
            await foreach (var message in member.ReadAllAsync())
            {
                if (message.IsText)
                {
                    await _server.BroadcastAsync(Message.Text($"{name}: {message.GetText()}"), others => others != member);
                }
            }
        }
        catch (ConnectionClosedException)
        {
            // Dropped without a close handshake: announce the departure all the same.
        }

        _log.WriteLine($"[chat] {name} left");
        await _server.BroadcastAsync(Message.Text($"{name} left"), others => others != member);
    }
}
