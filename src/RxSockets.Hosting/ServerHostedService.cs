using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace RxSockets.Hosting;

/// <summary>
/// Runs the embedded server with the host: starts it (a port in use or an invalid option fails the host's start), runs
/// the <see cref="RxSocketsServerBuilder.OnStarted"/> callbacks, and hands each new connection to the connection handler,
/// if one is attached (otherwise the application consumes <see cref="WebSocketServer.Connections"/> itself). On stop, the
/// server closes every client with 1001 (going away) and stops listening; then the handlers' tokens are cancelled and
/// the stop waits for them, within the host's shutdown timeout.
/// </summary>
internal sealed class ServerHostedService(
    ServerInstance instance, ServerHandlers handlers, IServiceProvider services, ILoggerFactory? loggers = null) : IHostedService, IDisposable
{
    private readonly ILogger _logger = (loggers ?? NullLoggerFactory.Instance).CreateLogger(Log.Category);
    private readonly CancellationTokenSource _stopped = new();
    private readonly HashSet<Task> _running = [];
    private readonly Lock _gate = new();
    private Task _acceptLoop = Task.CompletedTask;
    private WebSocketServer? _server;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var server = await instance.StartAsync().WaitAsync(cancellationToken).ConfigureAwait(false);
        _server = server;
        Log.ServerStarted(_logger, server.Url);
        foreach (var started in handlers.Started)
        {
            await started(server, services, cancellationToken).ConfigureAwait(false);
        }

        if (handlers.Connection is { } handler)
        {
            _acceptLoop = AcceptLoopAsync(server, handler);
        }
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_server is not { } server)
        {
            return;   // the start failed or never ran
        }

        // The server first, so clients are told 1001 before any handler sees its token cancelled (a handler that returned
        // early would otherwise close its connection with 1000).
        Log.ServerStopping(_logger, server.ClientCount);
        await server.StopAsync(cancellationToken).ConfigureAwait(false);
        await _stopped.CancelAsync().ConfigureAwait(false);
        await _acceptLoop.WaitAsync(cancellationToken).ConfigureAwait(false);
        Task[] running;
        lock (_gate)
        {
            running = [.. _running];
        }

        await Task.WhenAll(running).WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    public void Dispose() => _stopped.Dispose();

    private async Task AcceptLoopAsync(WebSocketServer server, Func<WebSocketConnection, IServiceProvider, CancellationToken, Task> handler)
    {
        // Ends when the server stops (the enumeration completes with it).
        await foreach (var connection in server.AcceptAllAsync(CancellationToken.None).ConfigureAwait(false))
        {
            var run = HandleAsync(connection, handler);
            lock (_gate)
            {
                _running.Add(run);
            }

            _ = run.ContinueWith(Forget, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }
    }

    private void Forget(Task run)
    {
        lock (_gate)
        {
            _running.Remove(run);
        }
    }

    /// <summary>Runs the handler in a scope of its own; never throws.</summary>
    private async Task HandleAsync(WebSocketConnection connection, Func<WebSocketConnection, IServiceProvider, CancellationToken, Task> handler)
    {
        await Task.Yield();   // off the accept loop: one slow handler must not hold the next connection
        var code = CloseCode.NormalClosure;
        var scope = services.CreateAsyncScope();
        try
        {
            await handler(connection, scope.ServiceProvider, _stopped.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (_stopped.IsCancellationRequested)
        {
            // The host stopped: the server has closed the connection with 1001 already.
        }
        catch (ConnectionClosedException error)
        {
            // The connection ended under the handler (the peer dropped or closed): no fault of the handler's.
            Log.HandlerConnectionLost(_logger, connection.Id, error.Code);
        }
        catch (Exception error)
        {
            Log.HandlerFailed(_logger, connection.Id, error);
            code = CloseCode.InternalError;
        }
        finally
        {
            try
            {
                await scope.DisposeAsync().ConfigureAwait(false);
            }
            catch (Exception error)
            {
                // A scoped service that throws on disposal must not fault this task (nobody would observe it).
                Log.ScopeDisposalFailed(_logger, connection.Id, error);
            }
        }

        try
        {
            if (connection.State == ConnectionState.Open)
            {
                await connection.CloseAsync(code, code == CloseCode.InternalError ? "internal error" : "").ConfigureAwait(false);
            }
        }
        catch (ConnectionClosedException)
        {
            // It ended meanwhile: nothing left to close.
        }
        finally
        {
            await connection.DisposeAsync().ConfigureAwait(false);
        }
    }
}
