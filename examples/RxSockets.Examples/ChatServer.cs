namespace RxSockets.Examples;

/// <summary>A chat room: a newcomer is welcomed, the others hear who joined and left, and every message goes to
/// everyone except its sender. Clients name themselves with <c>?name=alice</c>.</summary>
public sealed class ChatServer : HostedServer
{
    private ChatServer(WebSocketServer server, TextWriter? log)
        : base(server, log)
    {
    }

    /// <summary>The URL clients connect to (add <c>?name=…</c>).</summary>
    public override Uri Url => base.Url;

    /// <summary>Starts the chat server.</summary>
    /// <param name="options">Where to listen; null for 127.0.0.1 on a free port.</param>
    /// <param name="log">Where joins and leaves are written; null for nowhere.</param>
    /// <param name="cancellationToken">Cancels the start.</param>
    public static async Task<ChatServer> StartAsync(WebSocketServerOptions? options = null, TextWriter? log = null,
        CancellationToken cancellationToken = default)
    {
        var server = await WebSocketServer.StartAsync(options ?? new WebSocketServerOptions(), cancellationToken);
        var hosted = new ChatServer(server, log);
        hosted.Serve();
        return hosted;
    }

    /// <inheritdoc />
    protected override async Task HandleAsync(WebSocketConnection connection)
    {
        var name = connection.Request?.GetQueryValue("name") ?? $"user{connection.Id}";
        Log.WriteLine($"[chat] {name} joined");
        try
        {
            // Announce first, welcome second: once the newcomer reads the welcome, the others have been told.
            await Server.BroadcastAsync(Message.Text($"{name} joined"), others => others != connection);
            await connection.SendAsync($"Welcome, {name}! {Server.ClientCount} user(s) online.");
            await foreach (var message in connection.ReadAllAsync())
            {
                if (message.IsText)
                {
                    await Server.BroadcastAsync(Message.Text($"{name}: {message.GetText()}"), others => others != connection);
                }
            }
        }
        catch (ConnectionClosedException)
        {
            // Dropped without a close handshake: announce the departure all the same.
        }

        Log.WriteLine($"[chat] {name} left");
        await Server.BroadcastAsync(Message.Text($"{name} left"), others => others != connection);
    }
}
