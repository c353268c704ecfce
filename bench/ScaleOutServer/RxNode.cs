using RxSockets;
using RxSockets.Bench.FanoutServer;

namespace RxSockets.Bench.ScaleOutServer;

/// <summary>
/// An RxSockets node: every connection joins the topic "bench" (<c>server.Topic("bench").JoinAsync(connection)</c>)
/// and is sent a welcome; the publisher publishes with <c>server.Topic("bench").PublishAsync(message)</c>, framed once for
/// all of the node's members. With the Redis backplane the same code spans the nodes.
/// </summary>
internal static partial class RxNode
{
    public const string TopicName = "bench";

    public static async Task<int> RunAsync(ScaleOutNodeArgs args, bool withBackplane)
    {
        var options = new WebSocketServerOptions
        {
            Port = args.Port,
            MaxConnections = 100_000,
            Backlog = 2048,
            KeepAliveInterval = Timeout.InfiniteTimeSpan,
        };
        if (withBackplane)
        {
            var available = false;
            UseRedisBackplane(options, args.Redis!, ref available);
            if (!available)
            {
                Console.Error.WriteLine("rxsockets-redis: this build has no Redis backplane (build with -p:ScaleOutBackplane=true)");
                return 3;
            }
        }

        await using var server = await WebSocketServer.StartAsync(options);
        var topic = server.Topic(TopicName);
        using var joining = server.Connections.Subscribe(connection => _ = JoinAsync(topic, connection));
        Console.WriteLine($"listening {server.Url}");
        if (args.Publish is { } publish)
        {
            _ = Task.Run(() => ScaleOutPublisher.RunAsync(publish, sequence => Publish(topic, sequence, publish.Size)));
        }

        await Shutdown.WaitAsync();
        return 0;
    }

    /// <summary>Sets <c>options.Backplane</c> to a Redis backplane and <paramref name="available"/> to true; only in
    /// builds with <c>ScaleOutBackplane=true</c> (RxRedisBackplane.cs).</summary>
    static partial void UseRedisBackplane(WebSocketServerOptions options, string configuration, ref bool available);

    private static ValueTask Publish(WebSocketTopic topic, long sequence, int size)
    {
        var publishing = topic.PublishAsync(Message.Binary(ScaleOutPayload.Binary(sequence, size)));
        if (publishing.IsCompletedSuccessfully)
        {
            _ = publishing.Result;
            return ValueTask.CompletedTask;
        }

        return new ValueTask(publishing.AsTask());
    }

    /// <summary>Joins the topic (JoinAsync: as Join, and with a backplane it also waits until this node's subscription
    /// to the topic is live, so nothing published after the welcome can be missed), then welcomes the connection.</summary>
    private static async Task JoinAsync(WebSocketTopic topic, WebSocketConnection connection)
    {
        try
        {
            await topic.JoinAsync(connection);
            await connection.SendAsync(Message.Binary(ScaleOutPayload.Binary(ScaleOutPayload.Welcome, ScaleOutPayload.MinimumSize)));
        }
        catch (ConnectionClosedException)
        {
            // Gone before its welcome: the load generator reports it.
        }
        catch (RxSocketsException error)
        {
            await Console.Error.WriteLineAsync($"join failed: {error.Message}");
        }
    }
}
