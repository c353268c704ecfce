using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace RxSockets.Hosting;

/// <summary>Registers RxSockets clients and the embedded server in a Generic Host (or any
/// <see cref="IServiceCollection"/>).</summary>
public static class RxSocketsServiceCollectionExtensions
{
    /// <summary>The configuration section of the named clients: <c>RxSockets:Clients:{name}</c>.</summary>
    public const string ClientsSection = "RxSockets:Clients";

    /// <summary>The configuration section of the server: <c>RxSockets:Server</c>.</summary>
    public const string ServerSection = "RxSockets:Server";

    /// <summary>
    /// Registers a named reconnecting client. Its <see cref="RxSocketsClientOptions"/> are bound from the section
    /// <c>RxSockets:Clients:{name}</c> of the container's <see cref="IConfiguration"/> (the host's configuration:
    /// appsettings.json, environment variables…), then changed by <paramref name="configure"/>, and validated when the
    /// host starts. Get the client from <see cref="IRxSocketsClientFactory"/> or inject it as
    /// <c>[FromKeyedServices(name)] WebSocketClient</c> (the shared instance); with
    /// <see cref="RxSocketsClientOptions.Start"/> the host starts it and disposes it when it stops. Calling this again
    /// with the same name adds configuration to the same client.
    /// </summary>
    /// <param name="services">The application's services.</param>
    /// <param name="name">The client's name, also its configuration key and its service key.</param>
    /// <param name="configure">Changes the options after the configuration was applied; null for none.</param>
    /// <returns>The services, for chaining.</returns>
    /// <exception cref="ArgumentException">The name is empty or contains a colon.</exception>
    public static IServiceCollection AddRxSocketsClient(this IServiceCollection services, string name, Action<RxSocketsClientOptions>? configure = null) =>
        AddRxSocketsClient(services, name, configuration: null, configure);

    /// <summary>Registers a named reconnecting client bound from <paramref name="configuration"/> instead of the
    /// conventional section (see <see cref="AddRxSocketsClient(IServiceCollection, string, Action{RxSocketsClientOptions}?)"/>).</summary>
    /// <param name="services">The application's services.</param>
    /// <param name="name">The client's name, also its service key.</param>
    /// <param name="configuration">The section holding the client's settings (<c>Url</c>, <c>SubProtocols</c>,
    /// <c>Headers</c>, <c>KeepAliveInterval</c>, <c>Reconnect</c>…), such as <c>configuration.GetSection("Feeds:Prices")</c>;
    /// a configuration that is not a section (a root) is read at <c>RxSockets:Clients:{name}</c>; null reads that
    /// section of the container's configuration.</param>
    /// <param name="configure">Changes the options after the configuration was applied; null for none.</param>
    /// <returns>The services, for chaining.</returns>
    /// <exception cref="ArgumentException">The name is empty or contains a colon.</exception>
    public static IServiceCollection AddRxSocketsClient(this IServiceCollection services, string name, IConfiguration? configuration, Action<RxSocketsClientOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        if (name.Contains(':', StringComparison.Ordinal))
        {
            throw new ArgumentException("A client's name is a configuration key and cannot contain ':'.", nameof(name));
        }

        var names = Singleton(services, static () => new ClientNames());
        names.Add(name);
        AddCommon(services);
        services.TryAddSingleton<ClientFactory>();
        services.TryAddSingleton<IRxSocketsClientFactory>(static provider => provider.GetRequiredService<ClientFactory>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<RxSocketsClientOptions>, ClientOptionsValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, ClientsHostedService>());

        // The factory owns the shared client and disposes it; the container may dispose it too (disposal is idempotent).
        services.TryAddKeyedSingleton<WebSocketClient>(name, static (provider, key) =>
            provider.GetRequiredService<IRxSocketsClientFactory>().GetClient((string)key!));

        var options = services.AddOptions<RxSocketsClientOptions>(name)
            .Configure<IServiceProvider>((target, provider) =>
            {
                var section = configuration as IConfigurationSection
                    ?? (configuration ?? provider.GetService<IConfiguration>())?.GetSection($"{ClientsSection}:{name}");
                if (section is not null)
                {
                    OptionsConfiguration.ApplyClient(section, target);
                }
            });
        if (configure is not null)
        {
            options.Configure(configure);
        }

        options.ValidateOnStart();
        return services;
    }

    /// <summary>
    /// Registers the embedded <see cref="WebSocketServer"/> (it listens itself; no ASP.NET Core) as a hosted service:
    /// it starts listening when the host starts and, when the host stops, closes every client with 1001 (going away)
    /// and stops. Its options are bound from the section <c>RxSockets:Server</c> of the container's
    /// <see cref="IConfiguration"/> (<c>Host</c>, <c>Port</c>, <c>Path</c>, limits…), then changed by
    /// <paramref name="configure"/>; an invalid value fails the host's start with an <see cref="ArgumentException"/>
    /// naming the property. It logs through the host's <c>ILoggerFactory</c> unless code sets another. The server is a
    /// singleton: inject <see cref="WebSocketServer"/> to broadcast or use topics (resolving it before the host starts
    /// starts it then). Attach what to do with connections on the returned builder.
    /// </summary>
    /// <param name="services">The application's services.</param>
    /// <param name="configure">Changes the options after the configuration was applied; null for none.</param>
    /// <returns>A builder to attach callbacks and a connection handler.</returns>
    public static RxSocketsServerBuilder AddRxSocketsServer(this IServiceCollection services, Action<WebSocketServerOptions>? configure = null) =>
        AddRxSocketsServer(services, configuration: null, configure);

    /// <summary>Registers the embedded server bound from <paramref name="configuration"/> instead of the conventional
    /// section (see <see cref="AddRxSocketsServer(IServiceCollection, Action{WebSocketServerOptions}?)"/>).</summary>
    /// <param name="services">The application's services.</param>
    /// <param name="configuration">The section holding the server's settings; a configuration that is not a section (a
    /// root) is read at <c>RxSockets:Server</c>; null reads that section of the container's configuration.</param>
    /// <param name="configure">Changes the options after the configuration was applied; null for none.</param>
    /// <returns>A builder to attach callbacks and a connection handler.</returns>
    public static RxSocketsServerBuilder AddRxSocketsServer(this IServiceCollection services, IConfiguration? configuration, Action<WebSocketServerOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var handlers = Singleton(services, static () => new ServerHandlers());
        AddCommon(services);
        services.TryAddSingleton<ServerInstance>();
        services.TryAddSingleton(static provider => provider.GetRequiredService<ServerInstance>().Server);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, ServerHostedService>());

        var options = services.AddOptions<WebSocketServerOptions>()
            .Configure<IServiceProvider>((target, provider) =>
            {
                var section = configuration as IConfigurationSection
                    ?? (configuration ?? provider.GetService<IConfiguration>())?.GetSection(ServerSection);
                if (section is not null)
                {
                    OptionsConfiguration.ApplyServer(section, target);
                }
            });
        if (configure is not null)
        {
            options.Configure(configure);
        }

        return new RxSocketsServerBuilder(services, handlers);
    }

    private static void AddCommon(IServiceCollection services)
    {
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IPostConfigureOptions<RxSocketsClientOptions>, LoggerFactoryDefaults>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IPostConfigureOptions<WebSocketServerOptions>, LoggerFactoryDefaults>());
    }

    /// <summary>The one instance of a registration-time bookkeeping object, registered on first use.</summary>
    private static T Singleton<T>(IServiceCollection services, Func<T> create)
        where T : class
    {
        if (services.FirstOrDefault(static d => d.ServiceType == typeof(T) && !d.IsKeyedService)?.ImplementationInstance is T existing)
        {
            return existing;
        }

        var created = create();
        services.AddSingleton(created);
        return created;
    }
}
