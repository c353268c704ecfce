using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace RxSockets.Hosting;

/// <summary>
/// Attaches what the hosted server does (<see cref="RxSocketsServiceCollectionExtensions.AddRxSocketsServer(IServiceCollection, Action{WebSocketServerOptions}?)"/>):
/// callbacks once it listens, and a handler for each new connection.
/// </summary>
/// <example>
/// <code>
/// builder.Services.AddRxSocketsServer()
///     .OnStarted((server, services, ct) => { server.Topic("prices"); return Task.CompletedTask; })
///     .HandleConnections(async (connection, services, ct) =>
///     {
///         await foreach (var message in connection.ReadAllAsync(ct))
///             await connection.SendAsync(message, ct);
///     });
/// </code>
/// </example>
public sealed class RxSocketsServerBuilder
{
    private readonly ServerHandlers _handlers;

    internal RxSocketsServerBuilder(IServiceCollection services, ServerHandlers handlers)
    {
        Services = services;
        _handlers = handlers;
    }

    /// <summary>The application's services.</summary>
    public IServiceCollection Services { get; }

    /// <summary>Runs <paramref name="callback"/> when the host starts, once the server listens and before the host's
    /// start completes: create topics, map messaging requests, subscribe to <see cref="WebSocketServer.Sessions"/>… A
    /// failure fails the host's start. Callbacks run in the order they were added.</summary>
    /// <param name="callback">Receives the server, the root service provider and the host's start token.</param>
    /// <returns>This builder, for chaining.</returns>
    public RxSocketsServerBuilder OnStarted(Func<WebSocketServer, IServiceProvider, CancellationToken, Task> callback)
    {
        ArgumentNullException.ThrowIfNull(callback);
        _handlers.Started.Add(callback);
        return this;
    }

    /// <summary>Hands every new connection (<see cref="WebSocketServer.AcceptAllAsync"/>) to <paramref name="handler"/>,
    /// each in a dependency-injection scope of its own, several at once; the connection lives as long as the handler
    /// runs (see <see cref="IRxSocketsConnectionHandler.HandleAsync"/> for what happens when it returns or throws). The
    /// server then consumes its connections, so the application must not subscribe to
    /// <see cref="WebSocketServer.Connections"/> too. Connections of resumable sessions and of the messaging protocol
    /// are not on that stream (see <see cref="WebSocketServer.Sessions"/> and <see cref="WebSocketServer.MessagingClients"/>).</summary>
    /// <param name="handler">Receives the connection, the connection's scoped service provider, and a token cancelled
    /// when the host has stopped the server.</param>
    /// <returns>This builder, for chaining.</returns>
    /// <exception cref="InvalidOperationException">A connection handler is attached already.</exception>
    public RxSocketsServerBuilder HandleConnections(Func<WebSocketConnection, IServiceProvider, CancellationToken, Task> handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        if (_handlers.Connection is not null)
        {
            throw new InvalidOperationException("A connection handler is attached already: the server hands each connection to one handler.");
        }

        _handlers.Connection = handler;
        return this;
    }

    /// <summary>Hands every new connection to a <typeparamref name="THandler"/> resolved from the connection's own scope
    /// (registered as scoped unless already registered), as <see cref="HandleConnections(Func{WebSocketConnection, IServiceProvider, CancellationToken, Task})"/> does.</summary>
    /// <typeparam name="THandler">The handler type.</typeparam>
    /// <returns>This builder, for chaining.</returns>
    /// <exception cref="InvalidOperationException">A connection handler is attached already.</exception>
    public RxSocketsServerBuilder HandleConnections<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] THandler>()
        where THandler : class, IRxSocketsConnectionHandler
    {
        HandleConnections(static (connection, services, cancellationToken) =>
            services.GetRequiredService<THandler>().HandleAsync(connection, cancellationToken));
        Services.TryAddScoped<THandler>();
        return this;
    }
}
