using System.Globalization;
using System.Net;
using RxSockets.Bench.KestrelEcho;

var port = 0;
var validArgs = args switch
{
    [] => true,
    ["--port", var text] => int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out port) && port <= IPEndPoint.MaxPort,
    _ => false,
};
if (!validArgs)
{
    Console.Error.WriteLine("usage: KestrelEcho [--port P]   (0 = ephemeral)");
    return 2;
}

var builder = WebApplication.CreateSlimBuilder();
builder.Logging.ClearProviders();
builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(1));
builder.WebHost.ConfigureKestrel(o => o.Listen(IPAddress.Loopback, port));

var app = builder.Build();
app.UseWebSockets(new WebSocketOptions { KeepAliveInterval = TimeSpan.Zero });
app.Run(EchoEndpoint.HandleAsync);

await app.StartAsync();
Console.WriteLine($"listening ws://127.0.0.1:{new Uri(app.Urls.First()).Port}/");
await app.WaitForShutdownAsync();
return 0;
