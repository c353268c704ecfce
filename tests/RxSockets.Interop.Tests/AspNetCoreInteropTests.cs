using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using RxSockets.AspNetCore;
using RxSockets.Interop.Tests.Support;

namespace RxSockets.Interop.Tests;

/// <summary>node <c>ws</c> against our engine hosted on Kestrel by <c>MapRxSockets</c>.</summary>
public class AspNetCoreInteropTests
{
    [Test, CancelAfter(30_000)]
    public async Task Script_NodeWsAgainstMapRxSockets_PrintsOkAndClosesCleanly(CancellationToken cancellationToken)
    {
        var close = InteropScenarios.ClientClose;
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        builder.Services.AddRxSockets(options =>
        {
            options.KeepAliveInterval = Timeout.InfiniteTimeSpan;
            options.MaxMessageSize = 64 * 1024 * 1024;   // the script sends 16 MiB
        });
        await using var app = builder.Build();
        app.MapGet("/", () => "a normal endpoint");
        app.MapRxSockets("/ws", async (connection, aborted) =>
        {
            await foreach (var message in connection.ReadAllAsync(aborted))
            {
                await connection.SendAsync(message, aborted);
            }
        });
        await app.StartAsync(cancellationToken);
        var address = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());   // Kestrel offers it
        var hub = app.Services.GetRequiredService<WebSocketServer>();

        await using var client = await PeerProcess.StartClientAsync(PeerKind.Node, new Uri($"ws://{address.Authority}/ws"),
            ["--mode", "script", "--close-code", $"{close.Code}", "--close-reason", close.Reason], cancellationToken);
        var exit = await client.WaitForExitAsync(cancellationToken);

        Assert.That(exit, Is.Zero, client.Describe());
        Assert.That(client.StandardOutput, Does.Contain("ok"), client.Describe());
        Assert.That(PeerClosure.Parse(client.StandardOutput.Single(l => l.StartsWith(PeerClosure.LinePrefix, StringComparison.Ordinal))).Code,
            Is.EqualTo(close.Code), "we echo the code");
        await app.StopAsync(cancellationToken);
        Assert.That(hub.ClientCount, Is.Zero);
    }
}
