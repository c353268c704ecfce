using System.Collections.Concurrent;

namespace RxSockets.Examples;

/// <summary>The frame the example servers share: an embedded <see cref="WebSocketServer"/> that runs one handler per
/// connection, and on disposal stops (closing clients with 1001) and waits for every handler to end.</summary>
public abstract class HostedServer : IAsyncDisposable
{
    private readonly ConcurrentBag<Task> _handlers = [];
    private readonly CancellationTokenSource _stopped = new();
    private IDisposable? _subscription;

    /// <summary>Wraps a started server; call <see cref="Serve"/> once the derived object is ready.</summary>
    protected HostedServer(WebSocketServer server, TextWriter? log)
    {
        Server = server;
        Log = log ?? TextWriter.Null;
    }

    /// <summary>The URL clients connect to.</summary>
    public virtual Uri Url => Server.Url;

    /// <summary>The embedded server.</summary>
    protected WebSocketServer Server { get; }

    /// <summary>Where the server narrates what happens.</summary>
    protected TextWriter Log { get; }

    /// <summary>Cancelled once the server has stopped (its clients closed, its backplane gone): bounds what a handler
    /// still does after its connection ended in the shutdown, such as publishing a goodbye no one will receive.</summary>
    protected CancellationToken Stopped => _stopped.Token;

    /// <summary>Stops the server and waits for every handler to end.</summary>
    public async ValueTask DisposeAsync()
    {
        await Server.DisposeAsync();
        _subscription?.Dispose();
        await _stopped.CancelAsync();
        await Task.WhenAll(_handlers);
        _stopped.Dispose();
        GC.SuppressFinalize(this);
    }

    /// <summary>Starts handing each new connection to <see cref="HandleAsync"/>.</summary>
    protected void Serve() => _subscription = Server.Connections.Subscribe(connection => _handlers.Add(HandleAsync(connection)));

    /// <summary>Serves one connection until it ends.</summary>
    protected abstract Task HandleAsync(WebSocketConnection connection);
}
