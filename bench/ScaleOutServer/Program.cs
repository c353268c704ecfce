using RxSockets.Bench;
using RxSockets.Bench.ScaleOutServer;

// One node of the scale-out benchmark (bench/scaleout.sh). Every node adds each subscriber connection to one topic and
// sends it a welcome once it is subscribed; the node started with --publish also runs the publisher (ScaleOutPublisher).
//   rxsockets        the embedded WebSocketServer, one node, no Redis: server.Topic("bench").PublishAsync
//   kestrel-redis    Kestrel + System.Net.WebSockets + StackExchange.Redis pub/sub, written by hand (KestrelRedisNode)
//   rxsockets-redis  the embedded WebSocketServer with the RxSockets.Redis backplane (needs -p:ScaleOutBackplane=true)
const string usage = "usage: ScaleOutServer rxsockets|kestrel-redis|rxsockets-redis " + ScaleOutNodeArgs.Usage;
var stack = args.Length > 0 ? args[0] : "";
if (!ScaleOutNodeArgs.TryParse(args.AsSpan(Math.Min(1, args.Length)), out var options)
    || stack is not ("rxsockets" or "kestrel-redis" or "rxsockets-redis")
    || (stack != "rxsockets" && options.Redis is null))
{
    Console.Error.WriteLine(usage);
    return 2;
}

return stack switch
{
    "kestrel-redis" => await KestrelRedisNode.RunAsync(options),
    _ => await RxNode.RunAsync(options, withBackplane: stack == "rxsockets-redis"),
};
