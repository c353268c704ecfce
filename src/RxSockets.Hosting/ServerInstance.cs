using Microsoft.Extensions.Options;

namespace RxSockets.Hosting;

/// <summary>
/// Owns the one <see cref="WebSocketServer"/> of the container. The server starts listening the first time anyone needs
/// it: the hosted service when the host starts, or, earlier, the first resolution of <see cref="WebSocketServer"/> (a
/// hosted service that takes the server in its constructor is built before any hosted service starts). Either way it is
/// the same start, done once.
/// </summary>
internal sealed class ServerInstance(IOptions<WebSocketServerOptions> options) : IAsyncDisposable
{
    private readonly Lock _gate = new();
    private Task<WebSocketServer>? _start;

    /// <summary>Starts the server once; later calls get the same task (and the same failure, such as a port in use).</summary>
    public Task<WebSocketServer> StartAsync()
    {
        lock (_gate)
        {
            // The start is shared, so no caller's token may cancel it: callers stop waiting with WaitAsync instead.
            return _start ??= WebSocketServer.StartAsync(options.Value, CancellationToken.None).AsTask();
        }
    }

    /// <summary>For the container's factory of <see cref="WebSocketServer"/>, which cannot be asynchronous: binding the
    /// socket is synchronous, so this blocks only when a backplane has to be reached first.</summary>
    public WebSocketServer Server => StartAsync().GetAwaiter().GetResult();

    public async ValueTask DisposeAsync()
    {
        Task<WebSocketServer>? start;
        lock (_gate)
        {
            start = _start;
        }

        if (start is null)
        {
            return;
        }

        try
        {
            await start.ConfigureAwait(false);
        }
        catch (Exception) when (start.IsFaulted)
        {
            return;   // a start that failed holds nothing (and the failure was reported to whoever started it)
        }

        await start.Result.DisposeAsync().ConfigureAwait(false);
    }
}
