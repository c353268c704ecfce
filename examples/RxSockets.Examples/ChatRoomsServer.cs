using System.Collections.Concurrent;
using RxSockets.Scaling;

namespace RxSockets.Examples;

/// <summary>
/// A chat with rooms, built on the server's topics. Clients name themselves with <c>?name=alice</c> and type:
/// <c>/join room</c> to enter a room (leaving the previous one), <c>/typing</c> to tell the others in the room (never
/// the typist) that they are typing, and anything else to say it to the room. Joins and leaves are announced to the
/// room with its member count; a client that disconnects leaves its room automatically.
/// </summary>
/// <remarks>
/// <para>With a cluster backplane (<see cref="WebSocketServerOptions.Backplane"/>, e.g. Redis) several processes are one
/// chat: a room is the same topic on every node, counts are cluster-wide, and <c>/typing</c> skips only the typist,
/// wherever the others are.</para>
/// <para>With a history (<see cref="RoomOptions"/>) every room message starts with its position <c>OFFSET@EPOCH</c>, and
/// a client that comes back with <c>?room=dev&amp;since=OFFSET@EPOCH</c> (on any node) first receives what the room
/// said after that position, then live messages; when the history no longer reaches back so far it is told so.</para>
/// </remarks>
public sealed class ChatRoomsServer : HostedServer
{
    private readonly ConcurrentDictionary<string, bool> _watched = new();

    private ChatRoomsServer(WebSocketServer server, TextWriter? log)
        : base(server, log)
    {
    }

    /// <summary>This node's id in its cluster.</summary>
    public string NodeId => Server.NodeId;

    /// <summary>Starts the chat server.</summary>
    /// <param name="options">Where to listen, the backplane, the rooms' options (see <see cref="RoomOptions"/>); null
    /// for 127.0.0.1 on a free port, this process alone.</param>
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

    /// <summary>The options of a room that keeps its last <paramref name="history"/> messages: each message is sent
    /// as <c>OFFSET@EPOCH text</c>, so a client knows where to come back from, and a client whose position the
    /// history no longer covers is told <c>! ROOM: messages after POSITION are lost (REASON)</c>.</summary>
    /// <param name="history">How many messages each room keeps (at least 1).</param>
    public static TopicOptions RoomOptions(int history) => new()
    {
        HistorySize = history,
        Format = publication => publication.Offset > 0 && publication.Message.IsText
            ? Message.Text($"{publication.Position} {publication.Message.GetText()}")
            : publication.Message,
        GapNotice = gap => Message.Text($"! {gap.Topic.Name}: messages after {gap.LastPosition} are lost ({gap.Reason}); going on from {gap.CurrentPosition}"),
    };

    /// <inheritdoc />
    protected override async Task HandleAsync(WebSocketConnection connection)
    {
        var name = NameOf(connection);
        WebSocketTopic? room = null;
        try
        {
            await connection.SendAsync($"Hello, {name}! Type /join <room>.");
            if (connection.Request?.GetQueryValue("room") is { Length: > 0 } first)
            {
                // Back after a drop (on this node or another): from the position it had, when it says so.
                room = await RunAsync(connection, name, room, "/join " + first, await SinceAsync(connection));
            }

            await foreach (var message in connection.ReadAllAsync())
            {
                room = await RunAsync(connection, name, room, message.IsText ? message.GetText() : "", since: null);
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
            try
            {
                await room.PublishAsync($"* {name} left {room.Name} ({await room.GetMemberCountAsync(Stopped)} in the room)", cancellationToken: Stopped);
            }
            catch (BackplaneUnavailableException error)
            {
                Log.WriteLine($"[rooms] {name} left {room.Name}, not announced to the other nodes: {error.Message}");
            }
            catch (ObjectDisposedException)
            {
                // The server stopped: there is no one left to tell.
            }
            catch (OperationCanceledException) when (Stopped.IsCancellationRequested)
            {
                // Stopping: the same.
            }
        }
    }

    /// <summary>Runs one line the client typed; returns the room it is in afterwards.</summary>
    private async Task<WebSocketTopic?> RunAsync(WebSocketConnection connection, string name, WebSocketTopic? room, string text, TopicPosition? since)
    {
        try
        {
            if (text.StartsWith("/join ", StringComparison.Ordinal))
            {
                return await MoveAsync(connection, name, room, Room(text["/join ".Length..].Trim()), since, Stopped);
            }

            if (room is null)
            {
                await connection.SendAsync("Join a room first: /join <room>");
            }
            else if (text == "/typing")
            {
                await room.PublishAsync($"~ {name} is typing", except: connection, Stopped);
            }
            else
            {
                await room.PublishAsync($"[{room.Name}] {name}: {text}", cancellationToken: Stopped);
            }

            return room;
        }
        catch (BackplaneUnavailableException error)
        {
            // The other nodes are out of reach (Redis is down): this node's members had what was said, the client is
            // told that the others may not have; the backplane reconnects by itself.
            await connection.SendAsync($"! {error.Message}");
            return Server.Topics.FirstOrDefault(topic => topic.Contains(connection));
        }
        catch (ObjectDisposedException)
        {
            return room;   // the server stopped meanwhile
        }
        catch (OperationCanceledException) when (Stopped.IsCancellationRequested)
        {
            return room;   // stopping
        }
    }

    private WebSocketTopic Room(string name)
    {
        var topic = Server.Topic(name);
        if (_watched.TryAdd(name, true))
        {
            // The membership observable narrates every join and leave, automatic ones (on close) included, and with a
            // cluster backplane those of the other nodes (a node that died: its members leave once it is declared dead).
            topic.Membership.Subscribe(change =>
                Log.WriteLine($"[rooms] {(change.Connection is { } member ? NameOf(member) : $"{change.Member} (another node)")} {(change.Joined ? "joined" : "left")} {topic.Name}: {change.Count} member(s) here"));
        }

        return topic;
    }

    private static string NameOf(WebSocketConnection connection) =>
        connection.Request?.GetQueryValue("name") ?? $"user{connection.Id}";

    private static async Task<TopicPosition?> SinceAsync(WebSocketConnection connection)
    {
        var text = connection.Request?.GetQueryValue("since");
        if (text is null)
        {
            return null;
        }

        if (TopicPosition.TryParse(text, out var since))
        {
            return since;
        }

        await connection.SendAsync($"! since={text} is not OFFSET@EPOCH: joining without the history");
        return null;
    }

    private static async Task<WebSocketTopic> MoveAsync(WebSocketConnection connection, string name, WebSocketTopic? from, WebSocketTopic to,
        TopicPosition? since, CancellationToken cancellationToken)
    {
        if (from is not null && from != to && from.Leave(connection))
        {
            await from.PublishAsync($"* {name} left {from.Name} ({await from.GetMemberCountAsync(cancellationToken)} in the room)", cancellationToken: cancellationToken);
        }

        // JoinAsync waits until this node's subscription to the room is live (with a Redis backplane: confirmed by
        // Redis), so the announcement below comes back to the new member too. From a position, it first sends what
        // the member missed (or the room's gap notice), then goes live.
        if ((await to.JoinAsync(connection, since, cancellationToken)).Joined)
        {
            await to.PublishAsync($"* {name} joined {to.Name} ({await to.GetMemberCountAsync(cancellationToken)} in the room)", cancellationToken: cancellationToken);
        }

        return to;
    }
}
