using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace RxSockets.AspNetCore;

/// <summary>Stops the hub when the application stops: every connection is closed with 1001 (going away), so the
/// requests that carry them end and Kestrel can shut down without waiting for its timeout.</summary>
internal sealed class RxSocketsHostedService(IServiceProvider services) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task StopAsync(CancellationToken cancellationToken) =>
        await services.GetRequiredService<WebSocketServer>().StopAsync(cancellationToken).ConfigureAwait(false);
}
