using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using RxSockets.AspNetCore;

namespace RxSockets.AspNetCore.Tests;

/// <summary>A Kestrel application on 127.0.0.1:0 with an echo endpoint at <c>/ws</c>, a topic endpoint at
/// <c>/rooms/{room}</c> (each message is published to the room, except to its sender), and a plain GET at
/// <c>/hello</c>.</summary>
internal sealed class KestrelHost : IAsyncDisposable
{
    private readonly WebApplication _app;

    private KestrelHost(WebApplication app, Uri baseUrl)
    {
        _app = app;
        BaseUrl = baseUrl;
    }

    public Uri BaseUrl { get; }

    public Uri WebSocketUrl(string path) => new($"ws://{BaseUrl.Authority}{path}");

    public WebSocketServer Hub => _app.Services.GetRequiredService<WebSocketServer>();

    public static async Task<KestrelHost> StartAsync(Action<WebSocketServerOptions>? configure, CancellationToken cancellationToken)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        builder.Services.AddRxSockets(configure);
        var app = builder.Build();
        app.MapGet("/hello", () => "hello from a normal endpoint");
        app.MapRxSockets("/ws", async (connection, aborted) =>
        {
            await foreach (var message in connection.ReadAllAsync(aborted))
            {
                await connection.SendAsync(message, aborted);
            }
        });
        app.MapRxSockets("/rooms/{room}", async (connection, aborted) =>
        {
            var room = connection.Request!.Path.Split('/')[^1];   // server connections carry their request
            var topic = app.Services.GetRequiredService<WebSocketServer>().Topic(room);
            await topic.JoinAsync(connection, cancellationToken: aborted);   // with a backplane: once subscribed
            await foreach (var message in connection.ReadAllAsync(aborted))
            {
                await topic.PublishAsync(message, except: connection, aborted);
            }
        });
        try
        {
            await app.StartAsync(cancellationToken);
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }

        // Kestrel always offers the addresses feature.
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new KestrelHost(app, new Uri(address));
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
