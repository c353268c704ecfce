using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace RxSockets.Hosting;

/// <summary>Starts the shared clients whose options say <see cref="RxSocketsClientOptions.Start"/> when the host starts,
/// and disposes them (closing with 1000) when it stops.</summary>
internal sealed class ClientsHostedService(
    IRxSocketsClientFactory factory, IOptionsMonitor<RxSocketsClientOptions> options, ClientNames names, ILoggerFactory? loggers = null) : IHostedService
{
    private readonly ILogger _logger = (loggers ?? Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance).CreateLogger(Log.Category);
    private readonly List<(string Name, WebSocketClient Client)> _started = [];

    public Task StartAsync(CancellationToken cancellationToken)
    {
        foreach (var name in names.All)
        {
            if (!options.Get(name).Start)
            {
                continue;
            }

            var client = factory.GetClient(name);
            Log.ClientStarting(_logger, name, client.Url);
            _started.Add((name, client));

            // Not awaited: the host's start must not wait for a server that may be down (the client keeps retrying).
            // The task fails only if the client gives up or is disposed before its first connection: logged, observed.
            // Disposed before it ever connected (the host stopped first) is no failure.
            _ = client.StartAsync(CancellationToken.None).ContinueWith(
                (task, state) =>
                {
                    if (task.Exception!.GetBaseException() is not ObjectDisposedException and var error)
                    {
                        Log.ClientStartFailed(_logger, (string)state!, error);
                    }
                },
                name, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
        }

        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        foreach (var (name, client) in _started)
        {
            Log.ClientStopping(_logger, name);
            await client.DisposeAsync().AsTask().WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }
}
