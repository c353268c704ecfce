using System.Threading.Channels;

namespace RxSockets.Redis.Tests.Support;

/// <summary>
/// A listening <see cref="WebSocketServer"/> on a Redis backplane, run as an application would: every client joins the
/// topic its path names (<c>/prices</c>), from the position in its <c>?since=OFFSET@EPOCH</c> query when it gives one.
/// Members receive each publication as <c>"OFFSET@EPOCH TEXT"</c> and a gap as <c>"gap REASON LAST CURRENT"</c>, so a
/// client always knows its position.
/// </summary>
internal sealed class TopicNode : IAsyncDisposable
{
    private readonly Channel<TopicJoinResult> _joins = Channel.CreateUnbounded<TopicJoinResult>();
    private readonly IDisposable _accepting;

    private TopicNode(WebSocketServer server)
    {
        Server = server;
        _accepting = server.Connections.Subscribe(connection => _ = JoinAsync(connection));
    }

    public WebSocketServer Server { get; }

    public RedisBackplane Backplane { get; private init; } = null!;

    public static Func<string, TopicOptions?> Topics(int historySize) => _ => new TopicOptions
    {
        HistorySize = historySize,
        Format = publication => Message.Text($"{publication.Position} {publication.Message.GetText()}"),
        GapNotice = gap => Message.Text($"gap {gap.Reason} {gap.LastPosition} {gap.CurrentPosition}"),
    };

    public static async Task<TopicNode> StartAsync(RedisServer redis, CancellationToken cancellationToken, int historySize = 1_000,
        Action<WebSocketServerOptions>? configure = null, string? nodeId = null)
    {
        var backplane = new RedisBackplane(new RedisBackplaneOptions
        {
            Configuration = redis.Configuration,
            NodeId = nodeId,
            HeartbeatInterval = TimeSpan.FromMilliseconds(200),
            NodeTimeout = TimeSpan.FromSeconds(1),
        });
        var options = new WebSocketServerOptions
        {
            Backplane = backplane,
            ConfigureTopic = Topics(historySize),
            KeepAliveInterval = Timeout.InfiniteTimeSpan,
            CloseTimeout = TimeSpan.FromSeconds(1),
        };
        configure?.Invoke(options);
        return new TopicNode(await WebSocketServer.StartAsync(options, cancellationToken)) { Backplane = backplane };
    }

    /// <summary>Connects a client to <paramref name="topic"/> and waits until the node made it a member (and, from a
    /// position, sent it what it missed).</summary>
    public async Task<(WebSocketConnection Client, TopicJoinResult Join)> JoinAsync(string topic, CancellationToken cancellationToken, TopicPosition? since = null)
    {
        var url = new Uri(Server.Url, since is { } position ? $"/{topic}?since={Uri.EscapeDataString(position.ToString())}" : $"/{topic}");
        var client = await WebSocketConnection.ConnectAsync(url, cancellationToken: cancellationToken);
        return (client, await _joins.Reader.ReadAsync(cancellationToken));
    }

    public async ValueTask DisposeAsync()
    {
        _accepting.Dispose();
        await Server.DisposeAsync();
    }

    private async Task JoinAsync(WebSocketConnection connection)
    {
        var topic = connection.Request!.Path.Trim('/');
        TopicPosition? since = TopicPosition.TryParse(connection.Request.GetQueryValue("since"), out var position) ? position : null;
        try
        {
            _joins.Writer.TryWrite(await Server.Topic(topic).JoinAsync(connection, since));
        }
        catch (Exception error)
        {
            _joins.Writer.TryComplete(error);
        }
    }
}

/// <summary>Reading what a <see cref="TopicNode"/> member receives.</summary>
internal static class MemberReads
{
    /// <summary>"OFFSET@EPOCH TEXT" split.</summary>
    public static (TopicPosition Position, string Text) Parse(string line)
    {
        var space = line.IndexOf(' ', StringComparison.Ordinal);
        Assert.That(TopicPosition.TryParse(line[..space], out var position), Is.True, $"'{line}' has no position");
        return (position, line[(space + 1)..]);
    }
}
