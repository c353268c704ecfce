using Microsoft.Reactive.Testing;
using RxSockets.Messaging;
using RxSockets.Tests.Client;
using RxSockets.Tests.Support;
using static RxSockets.Tests.Messaging.ClientTestSupport;

namespace RxSockets.Tests.Messaging;

/// <summary>WebSocketClientOptions.Messaging: validation at construction, the subprotocol offered and required, raw
/// messages refused.</summary>
public class ClientMessagingOptionsTests
{
    private static readonly Uri s_url = new("ws://127.0.0.1:1/");

    [TestCase(0, 100, "Messaging.RequestTimeout")]
    [TestCase(-1, 100, "Messaging.RequestTimeout")]
    [TestCase(30, 0, "Messaging.MaxPendingRequests")]
    public void InvalidOptions_ThrowAtConstruction_NamingTheProperty(int timeoutSeconds, int maxPending, string property)
    {
        var options = Options(messaging: new MessagingClientOptions { RequestTimeout = TimeSpan.FromSeconds(timeoutSeconds), MaxPendingRequests = maxPending });

        var error = Assert.Throws<ArgumentException>(() => _ = new WebSocketClient(s_url, options));

        Assert.That(error?.ParamName, Is.EqualTo("Messaging"));
        Assert.That(error?.Message, Does.Contain(property));
    }

    [Test]
    public void InfiniteRequestTimeout_IsRefused()
    {
        var options = Options(messaging: new MessagingClientOptions { RequestTimeout = Timeout.InfiniteTimeSpan });

        Assert.That(Assert.Throws<ArgumentException>(() => _ = new WebSocketClient(s_url, options))?.Message, Does.Contain("Messaging.RequestTimeout"));
    }

    [Test]
    public void WithResume_IsRefusedNamingMessaging()
    {
        var options = Options();
        options.Resume = new ResumeOptions();

        var error = Assert.Throws<ArgumentException>(() => _ = new WebSocketClient(s_url, options));

        Assert.That(error?.ParamName, Is.EqualTo("Messaging"));
        Assert.That(error?.Message, Does.Contain("Resume"));
    }

    [Test]
    public async Task RawMessages_AreRefused_AndTopicsNeedMessaging()
    {
        await using var client = new WebSocketClient(s_url, Options());
        await using var plain = new WebSocketClient(s_url);

        Assert.That(Assert.Throws<InvalidOperationException>(() => client.SendAsync("raw").AsTask())?.Message, Does.Contain("PublishAsync"));
        Assert.Throws<InvalidOperationException>(() => client.Outgoing.OnNext(Message.Text("raw")));
        Assert.That(Assert.Throws<InvalidOperationException>(() => plain.Topic("t"))?.Message, Does.Contain("WebSocketClientOptions.Messaging"));
        Assert.Throws<InvalidOperationException>(() => plain.RequestAsync(Message.Text("x")).AsTask());
        Assert.Throws<ArgumentException>(() => client.Topic(""));
        Assert.Throws<ArgumentException>(() => client.Topic(new string('t', 257)));
    }

    [Test, CancelAfter(10_000)]
    public async Task OffersTheSubprotocolBeforeTheUsersOwn(CancellationToken cancellationToken)
    {
        var (client, connector) = FakeConnector.CreateClient(new TestScheduler(), o =>
        {
            o.Messaging = new MessagingClientOptions();
            o.SubProtocols.Add("chat");
        });
        await using var _ = connector;

        // The in-memory peer selects no subprotocol: the client fails the connection and, that not being transient, stops.
        var error = await Assert.ThrowsAsync<HandshakeException>(() => client.StartAsync(cancellationToken));

        Assert.That(connector.Attempts[0].Options.SubProtocols, Is.EqualTo(new[] { ProtocolCodec.SubProtocol, "chat" }));
        Assert.That(error?.Message, Does.Contain("does not speak rxsockets.v1"));
    }

    [Test, CancelAfter(20_000)]
    public async Task ServerWithoutTheProtocol_FailsWithAClearHandshakeError(CancellationToken cancellationToken)
    {
        await using var server = await ScriptedMessagingServer.StartAsync(cancellationToken, speaks: false);
        await using var client = new WebSocketClient(server.Url, Options());

        var error = await Assert.ThrowsAsync<HandshakeException>(() => client.StartAsync(cancellationToken));

        Assert.That(error?.Message, Does.Contain("The server does not speak rxsockets.v1"));
        Assert.That(error?.IsTransient, Is.False);
        Assert.That(client.State, Is.EqualTo(ClientState.Closed));
    }
}
