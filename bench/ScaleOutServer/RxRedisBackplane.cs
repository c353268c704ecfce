using RxSockets.Redis;

namespace RxSockets.Bench.ScaleOutServer;

// Compiled only with -p:ScaleOutBackplane=true (see ScaleOutServer.csproj): the "rxsockets-redis" stack.
internal static partial class RxNode
{
    static partial void UseRedisBackplane(WebSocketServerOptions options, string configuration, ref bool available)
    {
        options.Backplane = new RedisBackplane(new RedisBackplaneOptions { Configuration = configuration });
        available = true;
    }
}
