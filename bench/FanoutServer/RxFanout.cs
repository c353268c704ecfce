using RxSockets;

namespace RxSockets.Bench.FanoutServer;

/// <summary>The RxSockets fan-out: each message a client sends is broadcast to every other client (framed once).</summary>
internal static class RxFanout
{
    public static async Task RunAsync(WebSocketServer server, WebSocketConnection connection)
    {
        try
        {
            await foreach (var message in connection.ReadAllAsync())
            {
                await server.BroadcastAsync(message, other => other != connection);
            }
        }
        catch (ConnectionClosedException)
        {
            // The load generator aborts its connections at the end.
        }
    }
}
