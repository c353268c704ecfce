using System.Text;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace RxSockets.Hosting.Tests.Support;

/// <summary>A real Generic Host (Host.CreateApplicationBuilder, no ASP.NET Core) whose configuration is a JSON document
/// given by the test, as an appsettings.json would be; nothing is read from the machine (no files, no environment).</summary>
internal static class TestHost
{
    public static IHost Build(string json, Action<HostApplicationBuilder> configure, ILoggerProvider? logs = null)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true, EnvironmentName = "Test" });
        builder.Configuration.AddJsonStream(new MemoryStream(Encoding.UTF8.GetBytes(json)));
        builder.Logging.ClearProviders();
        builder.Logging.SetMinimumLevel(LogLevel.Debug);
        if (logs is not null)
        {
            builder.Logging.AddProvider(logs);
        }

        configure(builder);
        return builder.Build();
    }

    /// <summary>A host serving an echo at <c>/echo</c> on a free loopback port.</summary>
    public static IHost EchoServer(Action<HostApplicationBuilder>? configure = null, ILoggerProvider? logs = null, string extraServerJson = "") =>
        Build($$"""{ "RxSockets": { "Server": { "Host": "127.0.0.1", "Port": 0, "Path": "/echo" {{extraServerJson}} } } }""", builder =>
        {
            builder.Services.AddRxSocketsServer().HandleConnections(async (connection, services, cancellationToken) =>
            {
                await foreach (var message in connection.ReadAllAsync(cancellationToken))
                {
                    await connection.SendAsync(message, cancellationToken);
                }
            });
            configure?.Invoke(builder);
        }, logs);
}
