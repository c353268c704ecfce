using System.Globalization;
using System.Net;
using RxSockets;
using RxSockets.AspNetCore;
using RxSockets.Bench.FanoutServer;

// One fan-out server, three stacks: every message a client sends goes to every other open client.
//   rxsockets          the embedded WebSocketServer (BroadcastAsync: framed once for all recipients)
//   rxsockets-kestrel  the same engine and broadcast on Kestrel (MapRxSockets)
//   kestrel            Kestrel + System.Net.WebSockets with a per-client send queue and loop
var port = 0;
var stack = args.Length > 0 ? args[0] : "";
var validArgs = args switch
{
    [_] => true,
    [_, "--port", var text] => int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out port) && port <= IPEndPoint.MaxPort,
    _ => false,
} && stack is "rxsockets" or "rxsockets-kestrel" or "kestrel";
if (!validArgs)
{
    Console.Error.WriteLine("usage: FanoutServer rxsockets|rxsockets-kestrel|kestrel [--port P]   (0 = ephemeral)");
    return 2;
}

var options = new WebSocketServerOptions
{
    Port = port,
    MaxConnections = 100_000,
    Backlog = 2048,
    KeepAliveInterval = Timeout.InfiniteTimeSpan,
    MaxMessageSize = 64 * 1024 * 1024,
};

if (stack == "rxsockets")
{
    await using var server = await WebSocketServer.StartAsync(options);
    using var serving = server.Connections.Subscribe(connection => _ = RxFanout.RunAsync(server, connection));
    Console.WriteLine($"listening {server.Url}");
    await Shutdown.WaitAsync();
    return 0;
}

var builder = WebApplication.CreateSlimBuilder();
builder.Logging.ClearProviders();
builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(1));
builder.WebHost.ConfigureKestrel(o => o.Listen(IPAddress.Loopback, port));
if (stack == "rxsockets-kestrel")
{
    builder.Services.AddRxSockets(o =>
    {
        o.KeepAliveInterval = options.KeepAliveInterval;
        o.MaxConnections = options.MaxConnections;
        o.MaxMessageSize = options.MaxMessageSize;
    });
}

var app = builder.Build();
if (stack == "rxsockets-kestrel")
{
    var hub = app.Services.GetRequiredService<WebSocketServer>();
    app.MapRxSockets("/", (connection, _) => RxFanout.RunAsync(hub, connection));
}
else
{
    var fanout = new KestrelFanout();
    app.UseWebSockets(new WebSocketOptions { KeepAliveInterval = TimeSpan.Zero });
    app.Run(fanout.HandleAsync);
}

await app.StartAsync();
Console.WriteLine($"listening ws://127.0.0.1:{new Uri(app.Urls.First()).Port}/");
await app.WaitForShutdownAsync();
return 0;
