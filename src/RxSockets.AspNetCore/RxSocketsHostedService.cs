using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace RxSockets.AspNetCore;

/// <summary>Connects the hub to its backplane when the application starts (an unreachable backplane fails the start),
/// and stops the hub when the application starts stopping: every connection is closed with 1001 (going away),
/// so the requests that carry them end. This runs in <see cref="StoppingAsync"/>, before any hosted service stops,
/// because Kestrel's own stop waits for those requests to finish.</summary>
internal sealed class RxSocketsHostedService(IServiceProvider services) : IHostedLifecycleService
{
    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task StartAsync(CancellationToken cancellationToken) =>
        await services.GetRequiredService<WebSocketServer>().ConnectBackplaneAsync(cancellationToken).ConfigureAwait(false);

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task StoppingAsync(CancellationToken cancellationToken) =>
        await services.GetRequiredService<WebSocketServer>().StopAsync(cancellationToken).ConfigureAwait(false);

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
