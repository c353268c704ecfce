using System.Reactive.Linq;

namespace RxSockets.Examples;

/// <summary>
/// A publish/subscribe broker on the server's topics, speaking lines of text: <c>subscribe news</c>,
/// <c>unsubscribe news</c> and <c>publish news some text</c>. Subscribers of a topic receive <c>news: some text</c>;
/// every command is acknowledged (<c>subscribed news (2)</c>, <c>unsubscribed news (1)</c>,
/// <c>published news to 2</c>). A disconnected client is unsubscribed from everything by the server.
/// </summary>
public sealed class PubSubServer : HostedServer
{
    private PubSubServer(WebSocketServer server, TextWriter? log)
        : base(server, log)
    {
    }

    /// <summary>Starts the broker.</summary>
    /// <param name="options">Where to listen; null for 127.0.0.1 on a free port.</param>
    /// <param name="log">Where subscription changes are written; null for nowhere.</param>
    /// <param name="cancellationToken">Cancels the start.</param>
    public static async Task<PubSubServer> StartAsync(WebSocketServerOptions? options = null, TextWriter? log = null,
        CancellationToken cancellationToken = default)
    {
        var server = await WebSocketServer.StartAsync(options ?? new WebSocketServerOptions(), cancellationToken);
        var hosted = new PubSubServer(server, log);
        hosted.Serve();
        return hosted;
    }

    /// <inheritdoc />
    protected override async Task HandleAsync(WebSocketConnection connection)
    {
        try
        {
            await foreach (var message in connection.ReadAllAsync())
            {
                var parts = (message.IsText ? message.GetText() : "").Split(' ', 3);
                var reply = parts switch
                {
                    ["subscribe", var name] => Subscribe(connection, name),
                    ["unsubscribe", var name] => Unsubscribe(connection, name),
                    ["publish", var name, var text] =>
                        $"published {name} to {await Server.Topic(name).PublishAsync($"{name}: {text}")}",
                    _ => "unknown command: use subscribe <topic>, unsubscribe <topic> or publish <topic> <text>",
                };
                await connection.SendAsync(reply);
            }
        }
        catch (ConnectionClosedException)
        {
            // Dropped without a close handshake: the server unsubscribes it all the same.
        }
    }

    private string Subscribe(WebSocketConnection connection, string name)
    {
        var topic = Server.Topic(name);
        if (topic.Join(connection))
        {
            Log.WriteLine($"[pubsub] #{connection.Id} subscribed to {name}: {topic.Count} subscriber(s)");
            // Unsubscribed automatically when the connection closes: say so when it happens.
            topic.Membership.Where(change => change.Connection == connection && !change.Joined).Take(1)
                .Subscribe(change => Log.WriteLine($"[pubsub] #{connection.Id} left {name}: {change.Count} subscriber(s)"));
        }

        return $"subscribed {name} ({topic.Count})";
    }

    private string Unsubscribe(WebSocketConnection connection, string name)
    {
        var topic = Server.Topic(name);
        topic.Leave(connection);
        var remaining = topic.Count;
        if (remaining == 0)
        {
            Server.RemoveTopic(name);   // clients choose the names: forget topics nobody listens to
        }

        return $"unsubscribed {name} ({remaining})";
    }
}
