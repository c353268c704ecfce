using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace RxSockets.AspNetCore;

/// <summary>Maps WebSocket endpoints served by the RxSockets engine.</summary>
public static class RxSocketsEndpointRouteBuilderExtensions
{
    /// <summary>
    /// Serves WebSocket upgrades on <paramref name="pattern"/> with our engine on Kestrel's upgraded connection, into
    /// the hub registered by <see cref="RxSocketsServiceCollectionExtensions.AddRxSockets"/>: new connections appear
    /// on its <see cref="WebSocketServer.Connections"/> (and are handed to <paramref name="handler"/>, when given), and
    /// its topics, limits and options apply. Plain requests to the endpoint are answered 426; other endpoints work
    /// side by side.
    /// </summary>
    /// <param name="endpoints">The application's routes.</param>
    /// <param name="pattern">The route pattern, such as <c>/ws</c>.</param>
    /// <param name="handler">Runs for each connection with the request's abort token, or null to consume
    /// connections through <see cref="WebSocketServer.Connections"/>. The request lasts until the connection ends,
    /// whether or not the handler returned earlier; an exception from it closes the connection with 1011.</param>
    /// <returns>The endpoint's builder (to add authorization, CORS, metadata).</returns>
    /// <exception cref="InvalidOperationException"><c>AddRxSockets</c> was not called.</exception>
    public static IEndpointConventionBuilder MapRxSockets(this IEndpointRouteBuilder endpoints, string pattern,
        Func<WebSocketConnection, CancellationToken, Task>? handler = null)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentException.ThrowIfNullOrEmpty(pattern);
        var server = endpoints.ServiceProvider.GetService<WebSocketServer>()
            ?? throw new InvalidOperationException("MapRxSockets needs the hub: call services.AddRxSockets(...) first.");
        return endpoints.Map(pattern, context => UpgradeEndpoint.HandleAsync(context, server, handler));
    }
}
