namespace RxSockets.Hosting;

/// <summary>What the builder attached to the hosted server: callbacks run once it listens, and the one connection
/// handler. Filled while services are registered, read when the host starts.</summary>
internal sealed class ServerHandlers
{
    public List<Func<WebSocketServer, IServiceProvider, CancellationToken, Task>> Started { get; } = [];

    public Func<WebSocketConnection, IServiceProvider, CancellationToken, Task>? Connection { get; set; }
}
