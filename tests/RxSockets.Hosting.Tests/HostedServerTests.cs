using System.Reactive.Linq;
using System.Reactive.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using RxSockets.Hosting.Tests.Support;

namespace RxSockets.Hosting.Tests;

public class HostedServerTests
{
    [Test, CancelAfter(20_000)]
    public async Task HostedServerAndClient_FromConfiguration_EchoThenServerHostStop_ClientSees1001(CancellationToken cancellationToken)
    {
        HandshakeRequest? seen = null;
        using var serverHost = TestHost.EchoServer(
            builder => builder.Services.AddRxSocketsServer(options =>
                options.VerifyClient = (request, _) => { seen = request; return ValueTask.FromResult<HandshakeRejection?>(null); }),
            extraServerJson: """, "SubProtocols": [ "feed.v1" ]""");
        await serverHost.StartAsync(cancellationToken);
        var url = serverHost.Services.GetRequiredService<WebSocketServer>().Url;
        using var clientHost = TestHost.Build($$"""
            { "RxSockets": { "Clients": { "feed": {
                "Url": "{{url}}", "Start": true, "SubProtocols": [ "feed.v1" ], "Headers": { "X-Tenant": "blue" },
                "Reconnect": { "ReconnectDelay": "00:00:00.050" } } } } }
            """, builder => builder.Services.AddRxSocketsClient("feed"));
        var client = clientHost.Services.GetRequiredKeyedService<WebSocketClient>("feed");
        var opened = client.Connections.FirstAsync().ToTask(cancellationToken);
        var echoed = client.Incoming.FirstAsync().ToTask(cancellationToken);
        var disconnected = client.Events.OfType<ClientDisconnected>().FirstAsync().ToTask(cancellationToken);

        await clientHost.StartAsync(cancellationToken);   // starts the client, without waiting for its connection
        var connection = await opened;
        await client.SendAsync("hello through the host", cancellationToken);

        Assert.That((await echoed).GetText(), Is.EqualTo("hello through the host"));
        Assert.That(connection.SubProtocol, Is.EqualTo("feed.v1"));
        Assert.That(seen?.GetHeader("X-Tenant"), Is.EqualTo("blue"));

        await serverHost.StopAsync(cancellationToken);

        Assert.That((await disconnected).Reason.Code, Is.EqualTo(CloseCode.GoingAway));
        await clientHost.StopAsync(cancellationToken);
        Assert.That(client.State, Is.EqualTo(ClientState.Disposed));
    }

    [Test, CancelAfter(20_000)]
    public async Task HostedServer_HostStop_ClosesEveryConnectionWith1001AndStopsListening(CancellationToken cancellationToken)
    {
        using var host = TestHost.EchoServer();
        await host.StartAsync(cancellationToken);
        var server = host.Services.GetRequiredService<WebSocketServer>();
        await using var first = await WebSocketConnection.ConnectAsync(server.Url, cancellationToken: cancellationToken);
        await using var second = await WebSocketConnection.ConnectAsync(server.Url, cancellationToken: cancellationToken);

        await host.StopAsync(cancellationToken);
        await Task.WhenAll(first.Completion, second.Completion).WaitAsync(cancellationToken);

        Assert.That(first.CloseStatus?.Code, Is.EqualTo(CloseCode.GoingAway));
        Assert.That(second.CloseStatus?.Code, Is.EqualTo(CloseCode.GoingAway));
        Assert.That(server.Completion.IsCompleted, Is.True);
        Assert.That(async () => await WebSocketConnection.ConnectAsync(server.Url, cancellationToken: cancellationToken), Throws.InstanceOf<Exception>());
    }

    [Test, CancelAfter(20_000)]
    public async Task HandleConnections_HandlerReturns_ConnectionClosedWith1000(CancellationToken cancellationToken)
    {
        using var host = TestHost.Build("""{ "RxSockets": { "Server": { "Port": 0 } } }""", builder =>
            builder.Services.AddRxSocketsServer().HandleConnections(async (connection, _, ct) => await connection.SendAsync("bye", ct)));
        await host.StartAsync(cancellationToken);
        await using var client = await WebSocketConnection.ConnectAsync(host.Services.GetRequiredService<WebSocketServer>().Url, cancellationToken: cancellationToken);

        var messages = await client.ReadAllAsync(cancellationToken).Select(m => m.GetText()).ToListAsync(cancellationToken);

        Assert.That(messages, Is.EqualTo(new[] { "bye" }));
        Assert.That(client.CloseStatus?.Code, Is.EqualTo(CloseCode.NormalClosure));
        await host.StopAsync(cancellationToken);
    }

    [Test, CancelAfter(20_000)]
    public async Task HandleConnections_HandlerThrows_ConnectionClosedWith1011AndTheErrorLogged(CancellationToken cancellationToken)
    {
        var logs = new CapturingLoggerProvider();
        using var host = TestHost.Build("""{ "RxSockets": { "Server": { "Port": 0 } } }""", builder =>
            builder.Services.AddRxSocketsServer().HandleConnections((_, _, _) => throw new InvalidOperationException("handler bug")), logs);
        await host.StartAsync(cancellationToken);
        await using var client = await WebSocketConnection.ConnectAsync(host.Services.GetRequiredService<WebSocketServer>().Url, cancellationToken: cancellationToken);

        await client.Completion.WaitAsync(cancellationToken);

        Assert.That(client.CloseStatus?.Code, Is.EqualTo(CloseCode.InternalError));
        Assert.That(logs.Entries.Any(e => e.Category == "RxSockets.Hosting" && e.EventId == 112 && e.Level == Microsoft.Extensions.Logging.LogLevel.Error), Is.True);
        await host.StopAsync(cancellationToken);
    }

    [Test, CancelAfter(20_000)]
    public async Task HandleConnections_ScopedServiceThrowsOnDisposal_LoggedAndTheHostStopsCleanly(CancellationToken cancellationToken)
    {
        var logs = new CapturingLoggerProvider();
        using var host = TestHost.Build("""{ "RxSockets": { "Server": { "Port": 0 } } }""", builder =>
        {
            builder.Services.AddScoped<ThrowsOnDispose>();
            builder.Services.AddRxSocketsServer().HandleConnections((_, services, _) =>
            {
                services.GetRequiredService<ThrowsOnDispose>();
                return Task.CompletedTask;
            });
        }, logs);
        await host.StartAsync(cancellationToken);
        await using var client = await WebSocketConnection.ConnectAsync(host.Services.GetRequiredService<WebSocketServer>().Url, cancellationToken: cancellationToken);

        await client.Completion.WaitAsync(cancellationToken);
        await host.StopAsync(cancellationToken);

        Assert.That(client.CloseStatus?.Code, Is.EqualTo(CloseCode.NormalClosure));
        Assert.That(logs.Entries.Any(e => e.Category == "RxSockets.Hosting" && e.EventId == 114), Is.True);
    }

    [Test, CancelAfter(20_000)]
    public async Task HandleConnectionsOfHandlerType_EachConnectionGetsItsOwnScope(CancellationToken cancellationToken)
    {
        using var host = TestHost.Build("""{ "RxSockets": { "Server": { "Port": 0 } } }""", builder =>
        {
            builder.Services.AddScoped<ScopeProbe>();
            builder.Services.AddRxSocketsServer().HandleConnections<ProbeHandler>();
        });
        await host.StartAsync(cancellationToken);
        var url = host.Services.GetRequiredService<WebSocketServer>().Url;
        await using var first = await WebSocketConnection.ConnectAsync(url, cancellationToken: cancellationToken);
        await using var second = await WebSocketConnection.ConnectAsync(url, cancellationToken: cancellationToken);

        var firstScope = (await first.Incoming.FirstAsync().ToTask(cancellationToken)).GetText();
        var secondScope = (await second.Incoming.FirstAsync().ToTask(cancellationToken)).GetText();
        await first.CloseAsync(cancellationToken: cancellationToken);
        await second.CloseAsync(cancellationToken: cancellationToken);
        await host.StopAsync(cancellationToken);

        Assert.That(firstScope, Is.Not.EqualTo(secondScope));
        Assert.That(ScopeProbe.Disposed, Does.Contain(firstScope).And.Contain(secondScope));
    }

    [Test, CancelAfter(20_000)]
    public async Task InjectedServer_InAHostedServiceConstructor_IsTheHostedOneAndBroadcasts(CancellationToken cancellationToken)
    {
        WebSocketServer? started = null;
        using var host = TestHost.Build("""{ "RxSockets": { "Server": { "Port": 0 } } }""", builder =>
        {
            builder.Services.AddRxSocketsServer().OnStarted((server, _, _) => { started = server; return Task.CompletedTask; });
            builder.Services.AddSingleton<Announcer>();
            builder.Services.AddHostedService(services => services.GetRequiredService<Announcer>());
        });
        await host.StartAsync(cancellationToken);
        var announcer = host.Services.GetRequiredService<Announcer>();
        await using var client = await WebSocketConnection.ConnectAsync(announcer.Server.Url, cancellationToken: cancellationToken);
        var received = client.Incoming.FirstAsync().ToTask(cancellationToken);

        await announcer.Server.BroadcastAsync(Message.Text("news"), cancellationToken: cancellationToken);

        Assert.That((await received).GetText(), Is.EqualTo("news"));
        Assert.That(started, Is.SameAs(announcer.Server));
        Assert.That(host.Services.GetRequiredService<WebSocketServer>(), Is.SameAs(announcer.Server));
        await host.StopAsync(cancellationToken);
        Assert.That(client.CloseStatus?.Code, Is.EqualTo(CloseCode.GoingAway));
    }

    [Test, CancelAfter(20_000)]
    public async Task HostedServer_Logs_ThroughTheHostsLoggerProviders(CancellationToken cancellationToken)
    {
        var logs = new CapturingLoggerProvider();
        using var host = TestHost.EchoServer(logs: logs);
        await host.StartAsync(cancellationToken);
        var server = host.Services.GetRequiredService<WebSocketServer>();
        await using var client = await WebSocketConnection.ConnectAsync(server.Url, cancellationToken: cancellationToken);

        await host.StopAsync(cancellationToken);
        await client.Completion.WaitAsync(cancellationToken);

        var server_ = logs.Entries.Where(e => e.Category == "RxSockets.Server").Select(e => e.Message).ToList();
        Assert.That(server_, Has.Some.StartsWith("Listening on 127.0.0.1:"));
        Assert.That(server_, Has.Some.StartsWith("Connection ").And.Some.Contains(" accepted from "));
        Assert.That(server_, Has.Some.EqualTo("Server stopping: closing 1 connections with 1001"));
        Assert.That(logs.Entries.Where(e => e.Category == "RxSockets.Hosting").Select(e => e.Message),
            Has.Some.EqualTo($"RxSockets server listening at {server.Url}"));
    }

    [Test, CancelAfter(20_000)]
    public async Task HostStart_PortInUse_FailsTheStart(CancellationToken cancellationToken)
    {
        using var first = TestHost.EchoServer();
        await first.StartAsync(cancellationToken);
        var port = first.Services.GetRequiredService<WebSocketServer>().LocalEndPoint.Port;
        using var second = TestHost.Build($$"""{ "RxSockets": { "Server": { "Host": "127.0.0.1", "Port": {{port}} } } }""",
            builder => builder.Services.AddRxSocketsServer());

        Assert.That(() => second.StartAsync(cancellationToken), Throws.InstanceOf<System.Net.Sockets.SocketException>());
        await first.StopAsync(cancellationToken);
    }

    private sealed class ScopeProbe : IDisposable
    {
        public static readonly System.Collections.Concurrent.ConcurrentBag<string> Disposed = [];

        public string Id { get; } = Guid.NewGuid().ToString("N");

        public void Dispose() => Disposed.Add(Id);
    }

    private sealed class ThrowsOnDispose : IDisposable
    {
        public void Dispose() => throw new InvalidOperationException("disposal bug");
    }

    private sealed class ProbeHandler(ScopeProbe probe) : IRxSocketsConnectionHandler
    {
        public async Task HandleAsync(WebSocketConnection connection, CancellationToken cancellationToken)
        {
            await connection.SendAsync(probe.Id, cancellationToken);
            await foreach (var _ in connection.ReadAllAsync(cancellationToken))
            {
            }
        }
    }

    /// <summary>App code that takes the server in its constructor: built before any hosted service starts.</summary>
    private sealed class Announcer(WebSocketServer server) : BackgroundService
    {
        public WebSocketServer Server { get; } = server;

        protected override Task ExecuteAsync(CancellationToken stoppingToken) => Task.CompletedTask;
    }
}
