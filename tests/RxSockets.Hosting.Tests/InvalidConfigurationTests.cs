using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using RxSockets.Hosting.Tests.Support;

namespace RxSockets.Hosting.Tests;

/// <summary>A bad setting fails the host's start (not the first use of the client), with a message naming what to fix.</summary>
public class InvalidConfigurationTests
{
    [TestCase("\"KeepAliveInterval\": \"-00:00:05\"", "KeepAliveInterval must be positive")]
    [TestCase("\"MaxMessageSize\": 0", "MaxMessageSize must be between 1")]
    [TestCase("\"SubProtocols\": [ \"a\", \"a\" ]", "SubProtocols must not repeat")]
    [TestCase("\"Reconnect\": { \"Jitter\": 2 }", "Jitter must be between 0 and 1")]
    [TestCase("\"Reconnect\": { \"ReconnectDelay\": \"00:01:00\", \"MaxReconnectDelay\": \"00:00:10\" }", "MaxReconnectDelay must be at least ReconnectDelay")]
    public async Task HostStart_OutOfRangeClientSetting_FailsNamingTheClientAndTheProperty(string setting, string expected)
    {
        using var host = ClientHost($$"""{ "Url": "ws://127.0.0.1:9/", {{setting}} }""");

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.That(error!.Message, Does.Contain("RxSockets client 'feed'").And.Contain(expected));
    }

    [Test]
    public async Task HostStart_ClientWithoutUrl_FailsNamingTheKey()
    {
        using var host = ClientHost("""{ "Start": true }""");

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.That(error!.Message, Does.Contain("Url is required").And.Contain("RxSockets:Clients:feed:Url"));
    }

    [TestCase("\"KeepAliveInterval\": \"soon\"", "RxSockets:Clients:feed:KeepAliveInterval", "not a duration")]
    [TestCase("\"KeepAliveInterval\": \"20\"", "RxSockets:Clients:feed:KeepAliveInterval", "not a duration")]   // not twenty days
    [TestCase("\"MaxMessageSize\": \"1MB\"", "RxSockets:Clients:feed:MaxMessageSize", "not a whole number")]
    [TestCase("\"Reconnect\": { \"SendOverflow\": \"Sometimes\" }", "RxSockets:Clients:feed:Reconnect:SendOverflow", "Wait, DropOldest, Fail")]
    [TestCase("\"Url\": \"ftp://example.com/\"", "RxSockets:Clients:feed:Url", "not an absolute ws://")]
    [TestCase("\"KeepAliveIntervall\": \"00:00:05\"", "RxSockets:Clients:feed:KeepAliveIntervall", "not an RxSockets setting")]
    [TestCase("\"Reconnect\": { \"Retries\": 3 }", "RxSockets:Clients:feed:Reconnect:Retries", "not an RxSockets setting")]
    public async Task HostStart_UnreadableClientSetting_FailsNamingTheConfigurationKey(string setting, string key, string expected)
    {
        using var host = ClientHost(setting.StartsWith("\"Url\"", StringComparison.Ordinal)
            ? $$"""{ {{setting}} }"""
            : $$"""{ "Url": "ws://127.0.0.1:9/", {{setting}} }""");

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => host.StartAsync());

        Assert.That(error!.Message, Does.Contain($"'{key}'").And.Contain(expected));
    }

    [Test]
    public async Task HostStart_InvalidServerSetting_FailsNamingTheProperty()
    {
        using var host = TestHost.Build("""{ "RxSockets": { "Server": { "Host": "127.0.0.1", "Port": 70000 } } }""",
            builder => builder.Services.AddRxSocketsServer());

        var error = await Assert.ThrowsAsync<ArgumentException>(() => host.StartAsync());

        Assert.That(error!.ParamName, Is.EqualTo("Port"));
    }

    [Test]
    public async Task HostStart_UnknownServerKey_FailsNamingIt()
    {
        using var host = TestHost.Build("""{ "RxSockets": { "Server": { "Host": "127.0.0.1", "Prot": 8080 } } }""",
            builder => builder.Services.AddRxSocketsServer());

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => host.StartAsync());

        Assert.That(error!.Message, Does.Contain("'RxSockets:Server:Prot'").And.Contain("not an RxSockets setting"));
    }

    private static IHost ClientHost(string feedJson) =>
        TestHost.Build($$"""{ "RxSockets": { "Clients": { "feed": {{feedJson}} } } }""",
            builder => builder.Services.AddRxSocketsClient("feed"));
}
