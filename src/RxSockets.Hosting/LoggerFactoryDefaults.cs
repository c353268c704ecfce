using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace RxSockets.Hosting;

/// <summary>Gives the clients and the server the host's <see cref="ILoggerFactory"/> when code left the default (which
/// logs nowhere). After every configuration step, so code that sets its own factory keeps it; a container without
/// logging keeps the default.</summary>
internal sealed class LoggerFactoryDefaults(IServiceProvider services) :
    IPostConfigureOptions<RxSocketsClientOptions>, IPostConfigureOptions<WebSocketServerOptions>
{
    public void PostConfigure(string? name, RxSocketsClientOptions options) => Apply(options.Client);

    public void PostConfigure(string? name, WebSocketServerOptions options) => Apply(options);

    private void Apply(ConnectionOptions options)
    {
        if (ReferenceEquals(options.LoggerFactory, NullLoggerFactory.Instance) && services.GetService<ILoggerFactory>() is { } loggers)
        {
            options.LoggerFactory = loggers;
        }
    }
}
