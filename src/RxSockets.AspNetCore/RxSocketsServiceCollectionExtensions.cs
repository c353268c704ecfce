using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace RxSockets.AspNetCore;

/// <summary>Registers the RxSockets hub of an ASP.NET Core application.</summary>
public static class RxSocketsServiceCollectionExtensions
{
    /// <summary>
    /// Registers one detached <see cref="WebSocketServer"/> (<see cref="WebSocketServer.CreateDetached"/>) as a
    /// singleton: the hub that <c>MapRxSockets</c> endpoints accept into, with the same <c>Connections</c>, topics,
    /// broadcasts and limits as the embedded server. Inject it wherever you publish. It logs through the application's
    /// <see cref="ILoggerFactory"/> unless the options name another, and closes every connection with 1001 when the
    /// application stops. With a <see cref="WebSocketServerOptions.Backplane"/> (for instance a Redis backplane, for
    /// several application instances behind a load balancer) the hub connects to it when the application starts, and
    /// an unreachable backplane fails the start.
    /// </summary>
    /// <param name="services">The application's services.</param>
    /// <param name="configure">Configures the options (the listening and TLS ones are not used: Kestrel owns the
    /// socket); validated when the hub is first resolved, with an <see cref="ArgumentException"/> naming the property.</param>
    /// <returns>The services, for chaining.</returns>
    public static IServiceCollection AddRxSockets(this IServiceCollection services, Action<WebSocketServerOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.TryAddSingleton(provider =>
        {
            var options = new WebSocketServerOptions();
            configure?.Invoke(options);
            if (ReferenceEquals(options.LoggerFactory, NullLoggerFactory.Instance) && provider.GetService<ILoggerFactory>() is { } loggers)
            {
                options.LoggerFactory = loggers;
            }

            return WebSocketServer.CreateDetached(options);
        });
        services.AddHostedService<RxSocketsHostedService>();
        return services;
    }
}
