using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using RxSockets.Hosting.Tests.Support;

namespace RxSockets.Hosting.Tests;

public class ClientConfigurationTests
{
    private const string Feed = """
        {
          "RxSockets": {
            "Clients": {
              "feed": {
                "Url": "http://127.0.0.1:9/feed",
                "Start": false,
                "SubProtocols": [ "feed.v2", "feed.v1" ],
                "Headers": { "Authorization": "Bearer abc", "X-Tenant": "blue" },
                "Origin": "https://app.example",
                "KeepAliveInterval": "00:00:05",
                "KeepAliveTimeout": "Infinite",
                "HandshakeTimeout": "00:00:03",
                "MaxMessageSize": 2048,
                "ReceiveQueueCapacity": 64,
                "PerMessageDeflate": true,
                "FollowRedirects": true,
                "Reconnect": {
                  "ReconnectDelay": "00:00:00.250",
                  "MaxReconnectDelay": "00:00:08",
                  "Jitter": 0.2,
                  "MaxReconnectAttempts": 3,
                  "SendQueueCapacity": 10,
                  "SendOverflow": "DropOldest"
                }
              },
              "other": { "Url": "wss://other.example/x" }
            }
          }
        }
        """;

    [Test]
    public void AddRxSocketsClient_JsonSection_BindsEveryMappedSettingOfThatName()
    {
        using var host = TestHost.Build(Feed, builder => builder.Services.AddRxSocketsClient("feed").AddRxSocketsClient("other"));

        var options = host.Services.GetRequiredService<IOptionsMonitor<RxSocketsClientOptions>>().Get("feed");

        Assert.That(options.Url, Is.EqualTo(new Uri("ws://127.0.0.1:9/feed")));   // http:// taken as ws://
        Assert.That(options.Start, Is.False);
        Assert.That(options.Client.SubProtocols, Is.EqualTo(new[] { "feed.v2", "feed.v1" }));
        Assert.That(options.Client.Headers["Authorization"], Is.EqualTo("Bearer abc"));
        Assert.That(options.Client.Headers["x-tenant"], Is.EqualTo("blue"));
        Assert.That(options.Client.Origin, Is.EqualTo("https://app.example"));
        Assert.That(options.Client.KeepAliveInterval, Is.EqualTo(TimeSpan.FromSeconds(5)));
        Assert.That(options.Client.KeepAliveTimeout, Is.EqualTo(Timeout.InfiniteTimeSpan));
        Assert.That(options.Client.HandshakeTimeout, Is.EqualTo(TimeSpan.FromSeconds(3)));
        Assert.That(options.Client.MaxMessageSize, Is.EqualTo(2048));
        Assert.That(options.Client.ReceiveQueueCapacity, Is.EqualTo(64));
        Assert.That(options.Client.PerMessageDeflate, Is.Not.Null);
        Assert.That(options.Client.FollowRedirects, Is.True);
        Assert.That(options.Reconnect.ReconnectDelay, Is.EqualTo(TimeSpan.FromMilliseconds(250)));
        Assert.That(options.Reconnect.MaxReconnectDelay, Is.EqualTo(TimeSpan.FromSeconds(8)));
        Assert.That(options.Reconnect.Jitter, Is.EqualTo(0.2));
        Assert.That(options.Reconnect.MaxReconnectAttempts, Is.EqualTo(3));
        Assert.That(options.Reconnect.SendQueueCapacity, Is.EqualTo(10));
        Assert.That(options.Reconnect.SendOverflow, Is.EqualTo(SendQueueOverflow.DropOldest));
        Assert.That(host.Services.GetRequiredService<IOptionsMonitor<RxSocketsClientOptions>>().Get("other").Client.SubProtocols, Is.Empty);
    }

    [Test]
    public async Task AddRxSocketsClient_CodeAfterConfiguration_CodeWinsAndTheClientIsMadeFromBoth()
    {
        using var host = TestHost.Build(Feed, builder => builder.Services.AddRxSocketsClient("feed", options =>
        {
            options.Client.KeepAliveInterval = TimeSpan.FromSeconds(30);
            options.Client.Headers["X-From-Code"] = "yes";
        }));
        var factory = host.Services.GetRequiredService<IRxSocketsClientFactory>();

        var options = host.Services.GetRequiredService<IOptionsMonitor<RxSocketsClientOptions>>().Get("feed");
        await using var client = factory.CreateClient("feed");

        Assert.That(options.Client.KeepAliveInterval, Is.EqualTo(TimeSpan.FromSeconds(30)));
        Assert.That(options.Client.Headers.Keys, Is.EquivalentTo(new[] { "Authorization", "X-Tenant", "X-From-Code" }));
        Assert.That(client.Url, Is.EqualTo(new Uri("ws://127.0.0.1:9/feed")));
        Assert.That(client.State, Is.EqualTo(ClientState.Idle));
    }

    [Test]
    public async Task AddRxSocketsClient_ExplicitSection_IsReadInsteadOfTheConventionalOne()
    {
        const string json = """{ "Feeds": { "Prices": { "Url": "ws://127.0.0.1:9/prices", "MaxMessageSize": 4096 } } }""";
        using var host = TestHost.Build(json, builder =>
            builder.Services.AddRxSocketsClient("prices", builder.Configuration.GetSection("Feeds:Prices")));

        await using var client = host.Services.GetRequiredService<IRxSocketsClientFactory>().CreateClient("prices");

        Assert.That(client.Url, Is.EqualTo(new Uri("ws://127.0.0.1:9/prices")));
        Assert.That(host.Services.GetRequiredService<IOptionsMonitor<RxSocketsClientOptions>>().Get("prices").Client.MaxMessageSize, Is.EqualTo(4096));
    }

    [Test]
    public async Task Factory_Lifetimes_GetClientIsSharedAndKeyed_CreateClientIsNewEachTime()
    {
        using var host = TestHost.Build(Feed, builder => builder.Services.AddRxSocketsClient("feed"));
        var factory = host.Services.GetRequiredService<IRxSocketsClientFactory>();

        var shared = factory.GetClient("feed");
        await using var first = factory.CreateClient("feed");
        await using var second = factory.CreateClient("feed");

        Assert.That(factory.GetClient("feed"), Is.SameAs(shared));
        Assert.That(host.Services.GetRequiredKeyedService<WebSocketClient>("feed"), Is.SameAs(shared));
        Assert.That(first, Is.Not.SameAs(second).And.Not.SameAs(shared));
        var unknown = Assert.Throws<InvalidOperationException>(() => factory.CreateClient("nope"));
        Assert.That(unknown!.Message, Does.Contain("'nope'").And.Contain("AddRxSocketsClient"));
    }

    [Test]
    public async Task Factory_ContainerDisposed_DisposesTheSharedClients()
    {
        var host = TestHost.Build(Feed, builder => builder.Services.AddRxSocketsClient("feed"));
        var shared = host.Services.GetRequiredService<IRxSocketsClientFactory>().GetClient("feed");

        await ((IAsyncDisposable)host).DisposeAsync();

        Assert.That(shared.State, Is.EqualTo(ClientState.Disposed));
    }

    [Test]
    public void AddRxSocketsClient_NameWithAColon_IsRefused()
    {
        var services = new ServiceCollection();

        var error = Assert.Throws<ArgumentException>(() => services.AddRxSocketsClient("a:b"));

        Assert.That(error!.ParamName, Is.EqualTo("name"));
    }
}
