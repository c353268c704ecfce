using System.Net;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR;
using RxSockets.Bench;
using RxSockets.Bench.ScaleOutSignalR;
using StackExchange.Redis;

// A SignalR node of the scale-out benchmark (bench/scaleout.sh): ASP.NET Core SignalR with its Redis backplane
// (AddStackExchangeRedis), the JSON protocol over WebSockets. Every connection joins the group "bench" and is sent a
// welcome; the node started with --publish runs the publisher: IHubContext.Clients.Group("bench").SendAsync("m", text)
// with the message as a 64-character string (SignalR's JSON protocol carries text), a bounded number in flight.
// Usage: ScaleOutSignalR --redis HOST:PORT [--port P] [--publish CONTROL_FILE ...]
if (!ScaleOutNodeArgs.TryParse(args, out var options) || options.Redis is null)
{
    Console.Error.WriteLine("usage: ScaleOutSignalR --redis HOST:PORT " + ScaleOutNodeArgs.Usage);
    return 2;
}

var builder = WebApplication.CreateSlimBuilder();
builder.Logging.ClearProviders();
builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(1));
builder.WebHost.ConfigureKestrel(o => o.Listen(IPAddress.Loopback, options.Port));
builder.Services
    .AddSignalR(o =>
    {
        // The load generator never sends: no client timeout, and no server pings during a run.
        o.ClientTimeoutInterval = TimeSpan.FromMinutes(10);
        o.KeepAliveInterval = TimeSpan.FromMinutes(5);
    })
    .AddStackExchangeRedis(options.Redis, o => o.Configuration.ChannelPrefix = RedisChannel.Literal("bench"));

var app = builder.Build();
app.MapHub<BenchHub>("/hub", o => o.Transports = HttpTransportType.WebSockets);
await app.StartAsync();
Console.WriteLine($"listening ws://127.0.0.1:{new Uri(app.Urls.First()).Port}/hub");
if (options.Publish is { } publish)
{
    var group = app.Services.GetRequiredService<IHubContext<BenchHub>>().Clients.Group(BenchHub.Group);
    _ = Task.Run(() => ScaleOutPublisher.RunAsync(publish,
        sequence => new ValueTask(group.SendAsync("m", ScaleOutPayload.Text(sequence, publish.Size)))));
}

await app.WaitForShutdownAsync();
return 0;
