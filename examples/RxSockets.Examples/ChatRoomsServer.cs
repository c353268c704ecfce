using System.Collections.Concurrent;

namespace RxSockets.Examples;

/// <summary>
/// A chat with rooms, built on the server's topics. Clients name themselves with <c>?name=alice</c> and type:
/// <c>/join room</c> to enter a room (leaving the previous one), <c>/typing</c> to tell the others in the room (never
/// the typist) that they are typing, and anything else to say it to the room. Joins and leaves are announced to the
/// room with its member count; a client that disconnects leaves its room automatically.
/// </summary>
public sealed class ChatRoomsServer : HostedServer
{
    private readonly ConcurrentDictionary<string, bool> _watched = new();

    private ChatRoomsServer(WebSocketServer server, TextWriter? log)
        : base(server, log)
    {
    }

    /// <summary>Starts the chat server.</summary>
    /// <param name="options">Where to listen; null for 127.0.0.1 on a free port.</param>
    /// <param name="log">Where membership changes are written; null for nowhere.</param>
    /// <param name="cancellationToken">Cancels the start.</param>
    public static async Task<ChatRoomsServer> StartAsync(WebSocketServerOptions? options = null, TextWriter? log = null,
        CancellationToken cancellationToken = default)
    {
        var server = await WebSocketServer.StartAsync(options ?? new WebSocketServerOptions(), cancellationToken);
        var hosted = new ChatRoomsServer(server, log);
        hosted.Serve();
        return hosted;
    }

    /// <inheritdoc />
    protected override async Task HandleAsync(WebSocketConnection connection)
    {
        var name = NameOf(connection);
        WebSocketTopic? room = null;
        try
        {
            await connection.SendAsync($"Hello, {name}! Type /join <room>.");
            await foreach (var message in connection.ReadAllAsync())
            {
                var text = message.IsText ? message.GetText() : "";
                if (text.StartsWith("/join ", StringComparison.Ordinal))
                {
                    room = await MoveAsync(connection, name, room, Room(text["/join ".Length..].Trim()));
                }
                else if (room is null)
                {
                    await connection.SendAsync("Join a room first: /join <room>");
                }
                else if (text == "/typing")
                {
                    await room.PublishAsync($"~ {name} is typing", except: connection);
                }
                else
                {
                    await room.PublishAsync($"[{room.Name}] {name}: {text}");
                }
            }
        }
        catch (ConnectionClosedException)
        {
            // Dropped without a close handshake: it has left its room all the same.
        }

        if (room is not null)
        {
            // Closing leaves every topic by itself; leaving here as well makes the count below final.
            room.Leave(connection);
            await room.PublishAsync($"* {name} left {room.Name} ({room.Count} in the room)");
        }
    }

    private WebSocketTopic Room(string name)
    {
        var topic = Server.Topic(name);
        if (_watched.TryAdd(name, true))
        {
            // The membership observable narrates every join and leave, automatic ones (on close) included.
            topic.Membership.Subscribe(change =>
                Log.WriteLine($"[rooms] {NameOf(change.Connection)} {(change.Joined ? "joined" : "left")} {topic.Name}: {change.Count} member(s)"));
        }

        return topic;
    }

    private static string NameOf(WebSocketConnection connection) =>
        connection.Request?.GetQueryValue("name") ?? $"user{connection.Id}";

    private static async Task<WebSocketTopic> MoveAsync(WebSocketConnection connection, string name, WebSocketTopic? from, WebSocketTopic to)
    {
        if (from is not null && from != to && from.Leave(connection))
        {
            await from.PublishAsync($"* {name} left {from.Name} ({from.Count} in the room)");
        }

        if (to.Join(connection))
        {
            await to.PublishAsync($"* {name} joined {to.Name} ({to.Count} in the room)");
        }

        return to;
    }
}
