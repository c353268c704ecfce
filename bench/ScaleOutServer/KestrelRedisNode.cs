using System.Net;
using System.Net.WebSockets;
using System.Threading.Channels;
using StackExchange.Redis;

namespace RxSockets.Bench.ScaleOutServer;

/// <summary>
/// The hand-rolled node, as a careful .NET user writes it today on Kestrel + System.Net.WebSockets +
/// StackExchange.Redis: the node subscribes to one Redis channel with an ordered <see cref="ChannelMessageQueue"/>,
/// and one loop takes each message and queues it on every local socket. Each socket has its own bounded send queue
/// (16 messages, as RxSockets' default SendQueueCapacity) and send loop (a WebSocket allows one send at a time), so a
/// slow socket holds nobody back until its queue is full; then the loop waits for it (nothing is dropped, as with
/// RxSockets' default BroadcastOverflow.Wait). The socket list is an immutable array replaced on join and leave, so
/// fanning out a message neither locks nor allocates. The publisher pipelines PUBLISH calls (bounded in flight).
/// </summary>
internal sealed class KestrelRedisNode
{
    private const int QueueCapacity = 16;
    private static readonly RedisChannel Channel = RedisChannel.Literal("bench");

    private readonly Lock _gate = new();
    private Client[] _clients = [];

    public static async Task<int> RunAsync(ScaleOutNodeArgs args)
    {
        await using var redis = await ConnectionMultiplexer.ConnectAsync(args.Redis!);
        var subscriber = redis.GetSubscriber();
        var queue = await subscriber.SubscribeAsync(Channel);
        var node = new KestrelRedisNode();
        var distributing = Task.Run(() => node.DistributeAsync(queue));

        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(1));
        builder.WebHost.ConfigureKestrel(o => o.Listen(IPAddress.Loopback, args.Port));
        var app = builder.Build();
        app.UseWebSockets(new WebSocketOptions { KeepAliveInterval = TimeSpan.Zero });
        app.Run(node.HandleAsync);
        await app.StartAsync();
        Console.WriteLine($"listening ws://127.0.0.1:{new Uri(app.Urls.First()).Port}/");
        if (args.Publish is { } publish)
        {
            _ = Task.Run(() => ScaleOutPublisher.RunAsync(publish,
                sequence => new ValueTask(subscriber.PublishAsync(Channel, ScaleOutPayload.Binary(sequence, publish.Size)))));
        }

        await app.WaitForShutdownAsync();
        await queue.UnsubscribeAsync();
        await distributing;
        return 0;
    }

    private async Task HandleAsync(HttpContext context)
    {
        if (!context.WebSockets.IsWebSocketRequest)
        {
            context.Response.StatusCode = StatusCodes.Status426UpgradeRequired;
            return;
        }

        using var socket = await context.WebSockets.AcceptWebSocketAsync();
        var client = new Client(socket);
        client.Queue.Writer.TryWrite(ScaleOutPayload.Binary(ScaleOutPayload.Welcome, ScaleOutPayload.MinimumSize));
        lock (_gate)
        {
            _clients = [.. _clients, client];
        }

        var sending = client.SendLoopAsync();
        try
        {
            // Subscribers send nothing: this loop only notices the close.
            var buffer = new byte[256];
            while ((await socket.ReceiveAsync(buffer.AsMemory(), CancellationToken.None)).MessageType != WebSocketMessageType.Close)
            {
            }
        }
        catch (Exception error) when (error is WebSocketException or OperationCanceledException or IOException)
        {
            // The load generator aborts its connections at the end.
        }
        finally
        {
            lock (_gate)
            {
                _clients = [.. _clients.Where(other => other != client)];
            }

            client.Queue.Writer.TryComplete();
            await sending;
        }
    }

    private async Task DistributeAsync(ChannelMessageQueue queue)
    {
        try
        {
            while (true)
            {
                var message = await queue.ReadAsync();
                var data = (byte[])message.Message!;
                foreach (var client in Volatile.Read(ref _clients))
                {
                    if (!client.Queue.Writer.TryWrite(data))
                    {
                        try
                        {
                            await client.Queue.Writer.WriteAsync(data);
                        }
                        catch (ChannelClosedException)
                        {
                            // That client left meanwhile.
                        }
                    }
                }
            }
        }
        catch (ChannelClosedException)
        {
            // Unsubscribed at shutdown.
        }
    }

    private sealed class Client(WebSocket socket)
    {
        public Channel<byte[]> Queue { get; } =
            System.Threading.Channels.Channel.CreateBounded<byte[]>(new BoundedChannelOptions(QueueCapacity) { SingleReader = true });

        public async Task SendLoopAsync()
        {
            try
            {
                var reader = Queue.Reader;
                while (await reader.WaitToReadAsync())
                {
                    while (reader.TryRead(out var data))
                    {
                        await socket.SendAsync(data, WebSocketMessageType.Binary, endOfMessage: true, CancellationToken.None);
                    }
                }
            }
            catch (Exception error) when (error is WebSocketException or OperationCanceledException or IOException)
            {
                Queue.Writer.TryComplete();
            }
        }
    }
}
