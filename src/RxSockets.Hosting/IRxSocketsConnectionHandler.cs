namespace RxSockets.Hosting;

/// <summary>
/// Serves one connection of the hosted server (<see cref="RxSocketsServerBuilder.HandleConnections{THandler}"/>):
/// resolved from a dependency-injection scope of its own per connection, as ASP.NET Core resolves per request, so it may
/// take scoped services.
/// </summary>
/// <example>
/// <code>
/// sealed class EchoHandler : IRxSocketsConnectionHandler
/// {
///     public async Task HandleAsync(WebSocketConnection connection, CancellationToken cancellationToken)
///     {
///         await foreach (var message in connection.ReadAllAsync(cancellationToken))
///             await connection.SendAsync(message, cancellationToken);
///     }
/// }
/// </code>
/// </example>
public interface IRxSocketsConnectionHandler
{
    /// <summary>Serves <paramref name="connection"/> until it ends. When the returned task completes, a connection still
    /// open is closed with 1000 (normal closure); when it fails, with 1011 (internal error) and the error is logged. When
    /// the host stops, the server first closes every connection with 1001 (going away), which ends their reads.</summary>
    /// <param name="connection">The accepted connection, open.</param>
    /// <param name="cancellationToken">Cancelled when the host has stopped the server.</param>
    /// <returns>Completes when the handler is done with the connection.</returns>
    Task HandleAsync(WebSocketConnection connection, CancellationToken cancellationToken);
}
