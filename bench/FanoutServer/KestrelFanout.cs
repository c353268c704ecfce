using System.Collections.Concurrent;
using System.Net.WebSockets;
using System.Threading.Channels;

namespace RxSockets.Bench.FanoutServer;

/// <summary>
/// The System.Net.WebSockets fan-out on Kestrel, written as one would by hand: a bounded send queue and a send loop
/// per client (a WebSocket allows one send at a time), and a receive loop that queues each message on every other
/// client, waiting where a queue is full (as RxSockets' default BroadcastOverflow.Wait does).
/// </summary>
internal sealed class KestrelFanout
{
    private const int QueueCapacity = 16;

    private readonly ConcurrentDictionary<long, Client> _clients = new();
    private long _nextId;

    public async Task HandleAsync(HttpContext context)
    {
        if (!context.WebSockets.IsWebSocketRequest)
        {
            context.Response.StatusCode = StatusCodes.Status426UpgradeRequired;
            return;
        }

        using var socket = await context.WebSockets.AcceptWebSocketAsync();
        var client = new Client(Interlocked.Increment(ref _nextId), socket);
        _clients[client.Id] = client;
        var sending = client.SendLoopAsync();
        try
        {
            await ReceiveLoopAsync(client);
        }
        catch (Exception error) when (error is WebSocketException or OperationCanceledException or IOException)
        {
            // The load generator aborts its connections at the end.
        }
        finally
        {
            _clients.TryRemove(client.Id, out _);
            client.Queue.Writer.TryComplete();
            await sending;
        }
    }

    private async Task ReceiveLoopAsync(Client client)
    {
        var buffer = new byte[64 * 1024];
        while (true)
        {
            var length = 0;
            ValueWebSocketReceiveResult result;
            do
            {
                if (length == buffer.Length)
                {
                    Array.Resize(ref buffer, buffer.Length * 2);
                }

                result = await client.Socket.ReceiveAsync(buffer.AsMemory(length), CancellationToken.None);
                length += result.Count;
            }
            while (!result.EndOfMessage);

            if (result.MessageType == WebSocketMessageType.Close)
            {
                return;
            }

            var message = (result.MessageType, buffer.AsMemory(0, length).ToArray());
            foreach (var other in _clients.Values)
            {
                if (other.Id != client.Id)
                {
                    try
                    {
                        await other.Queue.Writer.WriteAsync(message);
                    }
                    catch (ChannelClosedException)
                    {
                        // That client left meanwhile.
                    }
                }
            }
        }
    }

    private sealed class Client(long id, WebSocket socket)
    {
        public long Id { get; } = id;

        public WebSocket Socket { get; } = socket;

        public Channel<(WebSocketMessageType Type, byte[] Data)> Queue { get; } =
            Channel.CreateBounded<(WebSocketMessageType, byte[])>(new BoundedChannelOptions(QueueCapacity) { SingleReader = true });

        public async Task SendLoopAsync()
        {
            try
            {
                await foreach (var (type, data) in Queue.Reader.ReadAllAsync())
                {
                    await Socket.SendAsync(data, type, endOfMessage: true, CancellationToken.None);
                }
            }
            catch (Exception error) when (error is WebSocketException or OperationCanceledException or IOException)
            {
                Queue.Writer.TryComplete();
            }
        }
    }
}
