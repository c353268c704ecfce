using RxSockets;

namespace RxSockets.Bench.FanoutServer;

/// <summary>The RxSockets fan-out: each message a client sends is broadcast to every other client (framed once).</summary>
internal static class RxFanout
{
    public static async Task RunAsync(WebSocketServer server, WebSocketConnection connection)
    {
        // One filter per connection, made once: a lambda written inside the loop would be a new delegate per message.
        Func<WebSocketConnection, bool> others = other => other != connection;
        try
        {
            await foreach (var message in connection.ReadAllAsync())
            {
                await server.BroadcastAsync(message, others);
            }
        }
        catch (ConnectionClosedException)
        {
            // The load generator aborts its connections at the end.
        }
    }
}
