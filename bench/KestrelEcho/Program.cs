using System.Globalization;
using System.Net;
using RxSockets.Bench.KestrelEcho;

var port = 0;
var lean = false;
var validArgs = true;
for (var i = 0; i < args.Length && validArgs; i++)
{
    switch (args[i])
    {
        case "--lean":
            lean = true;
            break;
        case "--port" when i + 1 < args.Length:
            validArgs = int.TryParse(args[++i], NumberStyles.None, CultureInfo.InvariantCulture, out port) && port <= IPEndPoint.MaxPort;
            break;
        default:
            validArgs = false;
            break;
    }
}

if (!validArgs)
{
    Console.Error.WriteLine("usage: KestrelEcho [--lean] [--port P]   (0 = ephemeral; --lean: no buffer held between messages)");
    return 2;
}

var builder = WebApplication.CreateSlimBuilder();
builder.Logging.ClearProviders();
builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(1));
builder.WebHost.ConfigureKestrel(o => o.Listen(IPAddress.Loopback, port));

var app = builder.Build();
app.UseWebSockets(new WebSocketOptions { KeepAliveInterval = TimeSpan.Zero });
app.Run(context => EchoEndpoint.HandleAsync(context, lean));

await app.StartAsync();
Console.WriteLine($"listening ws://127.0.0.1:{new Uri(app.Urls.First()).Port}/");
await app.WaitForShutdownAsync();
return 0;
