namespace RxSockets.Redis.Tests.Support;

/// <summary>A started <see cref="RedisBackplane"/> with its <see cref="RecordingHandler"/>.</summary>
internal sealed class TestNode : IAsyncDisposable
{
    private static int s_nodes;

    private TestNode(RedisBackplane backplane, RecordingHandler handler)
    {
        Backplane = backplane;
        Handler = handler;
    }

    public RedisBackplane Backplane { get; }

    public RecordingHandler Handler { get; }

    public string Id => Backplane.NodeId;

    public static async Task<TestNode> StartAsync(RedisServer server, CancellationToken cancellationToken, Action<RedisBackplaneOptions>? configure = null, int clients = 0)
    {
        var options = new RedisBackplaneOptions { Configuration = server.Configuration, LoggerFactory = new TestLog("node " + Interlocked.Increment(ref s_nodes)) };
        configure?.Invoke(options);
        var backplane = new RedisBackplane(options);
        var handler = new RecordingHandler { LocalClientCount = clients };
        try
        {
            await backplane.StartAsync(handler, cancellationToken);
        }
        catch
        {
            await backplane.DisposeAsync();
            throw;
        }

        return new TestNode(backplane, handler);
    }

    public ValueTask DisposeAsync() => Backplane.DisposeAsync();
}
