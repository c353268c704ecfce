using System.Globalization;
using RxSockets.Examples.Shared;
using RxSockets.Redis;

namespace RxSockets.Examples;

/// <summary>How the chat-rooms example runs: <c>chat-rooms [port] [--port P] [--backplane redis://HOST:PORT]
/// [--node-id ID] [--node-timeout 2s] [--history N]</c>.</summary>
public sealed record ChatRoomsOptions
{
    /// <summary>The usage line of the options.</summary>
    public const string Usage = "[port] [--backplane redis://HOST:PORT] [--node-id ID] [--node-timeout 2s] [--history N]";

    /// <summary>The port; 0 picks a free one. Default 8080.</summary>
    public int Port { get; init; } = 8080;

    /// <summary>A <c>redis://</c> URL: every process started with the same one is a node of one chat. Null for this
    /// process alone.</summary>
    public string? Backplane { get; init; }

    /// <summary>This node's id in the cluster (with <see cref="Backplane"/>); null for a random one.</summary>
    public string? NodeId { get; init; }

    /// <summary>How long a silent node stays a member (with <see cref="Backplane"/>); null for the backplane's default
    /// (5 s). Its members are reported as left on the other nodes within this time and one heartbeat.</summary>
    public TimeSpan? NodeTimeout { get; init; }

    /// <summary>How many messages each room keeps; 0 (the default) keeps none. With a history every room message
    /// starts with its position <c>OFFSET@EPOCH</c>, and a client may come back with
    /// <c>?room=ROOM&amp;since=OFFSET@EPOCH</c> to get what it missed first.</summary>
    public int History { get; init; }

    /// <summary>Reads the command line arguments after the example's name.</summary>
    /// <exception cref="FormatException">An unknown option or a malformed value.</exception>
    public static ChatRoomsOptions Parse(IReadOnlyList<string> args)
    {
        ArgumentNullException.ThrowIfNull(args);
        var options = new ChatRoomsOptions();
        for (var i = 0; i < args.Count; i++)
        {
            options = args[i] switch
            {
                "--port" => options with { Port = Number(Value(args, ref i), "--port") },
                "--backplane" => options with { Backplane = Value(args, ref i) },
                "--node-id" => options with { NodeId = Value(args, ref i) },
                "--node-timeout" => options with { NodeTimeout = ExampleDuration.Parse(Value(args, ref i), "--node-timeout") },
                "--history" => options with { History = Number(Value(args, ref i), "--history") },
                var port when i == 0 && !port.StartsWith('-') => options with { Port = Number(port, "port") },
                var other => throw new FormatException($"Unknown argument '{other}'. Usage: chat-rooms {Usage}"),
            };
        }

        return options;
    }

    /// <summary>The server's options: the port, the Redis backplane when one is named, and the rooms' history.</summary>
    /// <exception cref="FormatException"><see cref="Backplane"/> is not a <c>redis://</c> URL.</exception>
    public WebSocketServerOptions ToServerOptions()
    {
        var options = new WebSocketServerOptions { Port = Port };
        if (Backplane is not null)
        {
            var redis = RedisBackplaneOptions.FromUrl(Backplane);
            redis.NodeId = NodeId;
            if (NodeTimeout is { } timeout)
            {
                // Four heartbeats per timeout (at most one a second, the default): a node is not declared dead for
                // one late heartbeat.
                redis.NodeTimeout = timeout;
                redis.HeartbeatInterval = TimeSpan.FromTicks(Math.Min(timeout.Ticks / 4, TimeSpan.TicksPerSecond));
            }

            try
            {
                options.Backplane = new RedisBackplane(redis);
            }
            catch (ArgumentException error)
            {
                throw new FormatException(error.Message, error);
            }
        }

        if (History > 0)
        {
            var rooms = ChatRoomsServer.RoomOptions(History);
            options.ConfigureTopic = _ => rooms;
        }

        return options;
    }

    private static string Value(IReadOnlyList<string> args, ref int i) =>
        ++i < args.Count ? args[i] : throw new FormatException($"{args[i - 1]} needs a value. Usage: chat-rooms {Usage}");

    private static int Number(string text, string what) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var number)
            ? number
            : throw new FormatException($"{what}: '{text}' is not a non-negative whole number.");
}
