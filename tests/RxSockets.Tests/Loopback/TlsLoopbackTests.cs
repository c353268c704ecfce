using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Reactive.Testing;
using RxSockets.Tests.Support;

namespace RxSockets.Tests.Loopback;

public class TlsLoopbackTests
{
    private X509Certificate2 _server = null!;
    private X509Certificate2 _client = null!;

    [OneTimeSetUp]
    public void CreateCertificates()
    {
        _server = TestCertificates.Create();
        _client = TestCertificates.Create("rxsockets-test-client");
    }

    [OneTimeTearDown]
    public void DisposeCertificates()
    {
        _server.Dispose();
        _client.Dispose();
    }

    [Test, CancelAfter(10_000)]
    public async Task Wss_PinnedCertificate_EchoesOverTls(CancellationToken cancellationToken)
    {
        await using var server = await WebSocketServer.StartAsync(new WebSocketServerOptions { Certificate = _server }, cancellationToken);
        var accepted = InMemory.NextAsync(server.Connections, cancellationToken);
        var seenErrors = SslPolicyErrors.None;
        var pin = TestCertificates.Pin(_server);
        var options = new WebSocketClientOptions
        {
            SslOptions = new SslClientAuthenticationOptions
            {
                RemoteCertificateValidationCallback = (sender, certificate, chain, errors) =>
                {
                    seenErrors = errors;
                    return pin(sender, certificate, chain, errors);
                },
            },
        };

        await using var client = await WebSocketConnection.ConnectAsync(server.Url, options, cancellationToken);
        var connection = await accepted;
        await client.SendAsync("over tls", cancellationToken);
        var received = await InMemory.NextAsync(connection.Incoming, cancellationToken);
        await connection.SendAsync(received, cancellationToken);
        var echo = await InMemory.NextAsync(client.Incoming, cancellationToken);

        Assert.That(server.Url.Scheme, Is.EqualTo("wss"));
        Assert.That(connection.Url.Scheme, Is.EqualTo("wss"));
        Assert.That(echo.GetText(), Is.EqualTo("over tls"));
        Assert.That(seenErrors, Is.EqualTo(SslPolicyErrors.RemoteCertificateChainErrors), "self-signed: only the chain is untrusted");
    }

    [Test, CancelAfter(10_000)]
    public async Task Wss_SelfSignedCertificateByDefault_FailsNamingChainErrors(CancellationToken cancellationToken)
    {
        await using var server = await WebSocketServer.StartAsync(new WebSocketServerOptions { Certificate = _server }, cancellationToken);

        var error = await Assert.ThrowsAsync<HandshakeException>(async () => await WebSocketConnection.ConnectAsync(server.Url, cancellationToken: cancellationToken));

        Assert.That(error?.Message, Does.Contain("RemoteCertificateChainErrors"));
        Assert.That(error?.Message, Does.Not.Contain("RemoteCertificateNameMismatch"));
        Assert.That(error?.InnerException, Is.InstanceOf<AuthenticationException>());
        Assert.That(error?.IsTransient, Is.False);
        Assert.That(error?.StatusCode, Is.Null);
    }

    [Test, CancelAfter(10_000)]
    public async Task Wss_TargetHostOverride_IsCheckedAndFailsNamingNameMismatch(CancellationToken cancellationToken)
    {
        await using var server = await WebSocketServer.StartAsync(new WebSocketServerOptions { Certificate = _server }, cancellationToken);
        var options = new WebSocketClientOptions
        {
            SslOptions = new SslClientAuthenticationOptions { TargetHost = "example.com", RemoteCertificateValidationCallback = TestCertificates.Pin(_server) },
        };

        var error = await Assert.ThrowsAsync<HandshakeException>(async () => await WebSocketConnection.ConnectAsync(server.Url, options, cancellationToken));

        Assert.That(error?.Message, Does.Contain("RemoteCertificateNameMismatch"));
        Assert.That(error?.Message, Does.Contain("example.com"));
    }

    [Test, CancelAfter(10_000)]
    public async Task Wss_Ipv6Loopback_MatchesCertificateAddress(CancellationToken cancellationToken)
    {
        await using var server = await WebSocketServer.StartAsync(new WebSocketServerOptions { Host = "::1", Certificate = _server }, cancellationToken);

        await using var client = await WebSocketConnection.ConnectAsync(server.Url, ClientWith(null), cancellationToken);

        Assert.That(server.Url.ToString(), Does.StartWith("wss://[::1]:"));
        Assert.That(client.State, Is.EqualTo(ConnectionState.Open));
    }

    [Test, CancelAfter(10_000)]
    public async Task Wss_TargetHostLocalhost_MatchesCertificateName(CancellationToken cancellationToken)
    {
        await using var server = await WebSocketServer.StartAsync(new WebSocketServerOptions { Certificate = _server }, cancellationToken);
        var options = new WebSocketClientOptions
        {
            SslOptions = new SslClientAuthenticationOptions { TargetHost = "localhost", RemoteCertificateValidationCallback = TestCertificates.Pin(_server) },
        };

        await using var client = await WebSocketConnection.ConnectAsync(server.Url, options, cancellationToken);

        Assert.That(client.State, Is.EqualTo(ConnectionState.Open));
    }

    [Test, CancelAfter(10_000)]
    public async Task Wss_ClientCertificateRequiredAndProvided_ServerValidatesIt(CancellationToken cancellationToken)
    {
        string? seenThumbprint = null;
        var serverOptions = new WebSocketServerOptions
        {
            Certificate = _server,
            ClientCertificateRequired = true,
            ClientCertificateValidation = (_, certificate, _, _) =>
            {
                seenThumbprint = certificate?.GetCertHashString();
                return seenThumbprint == _client.GetCertHashString();
            },
        };
        await using var server = await WebSocketServer.StartAsync(serverOptions, cancellationToken);
        var accepted = InMemory.NextAsync(server.Connections, cancellationToken);

        await using var client = await WebSocketConnection.ConnectAsync(server.Url, ClientWith(_client), cancellationToken);
        var connection = await accepted;
        await client.SendAsync("mutual", cancellationToken);
        var received = await InMemory.NextAsync(connection.Incoming, cancellationToken);

        Assert.That(seenThumbprint, Is.EqualTo(_client.GetCertHashString()));
        Assert.That(received.GetText(), Is.EqualTo("mutual"));
    }

    [Test, CancelAfter(10_000)]
    public async Task Wss_ClientCertificateRequiredButMissing_FailsAndServerKeepsServing(CancellationToken cancellationToken)
    {
        var serverOptions = new WebSocketServerOptions
        {
            Certificate = _server,
            ClientCertificateRequired = true,
            ClientCertificateValidation = (_, certificate, _, _) => certificate?.GetCertHashString() == _client.GetCertHashString(),
        };
        await using var server = await WebSocketServer.StartAsync(serverOptions, cancellationToken);

        var error = await Assert.ThrowsAsync<HandshakeException>(async () => await WebSocketConnection.ConnectAsync(server.Url, ClientWith(null), cancellationToken));
        await using var second = await WebSocketConnection.ConnectAsync(server.Url, ClientWith(_client), cancellationToken);

        Assert.That(error?.StatusCode, Is.Null);
        Assert.That(second.State, Is.EqualTo(ConnectionState.Open));
    }

    [Test, CancelAfter(10_000)]
    public async Task Wss_ClientCertificateRejectedByCallback_Fails(CancellationToken cancellationToken)
    {
        using var stranger = TestCertificates.Create("stranger");
        var serverOptions = new WebSocketServerOptions
        {
            Certificate = _server,
            ClientCertificateRequired = true,
            ClientCertificateValidation = (_, certificate, _, _) => certificate?.GetCertHashString() == _client.GetCertHashString(),
        };
        await using var server = await WebSocketServer.StartAsync(serverOptions, cancellationToken);

        var error = await Assert.ThrowsAsync<HandshakeException>(async () => await WebSocketConnection.ConnectAsync(server.Url, ClientWith(stranger), cancellationToken));

        Assert.That(error, Is.Not.Null);
        Assert.That(server.ClientCount, Is.Zero);
    }

    [TestCase(SslProtocols.Tls12, SslProtocols.Tls12, true)]
    [TestCase(SslProtocols.Tls13, SslProtocols.Tls13, true)]
    [TestCase(SslProtocols.Tls12, SslProtocols.Tls13, false)]
    [CancelAfter(10_000)]
    public async Task Wss_EnabledSslProtocols_AreHonouredOnBothSides(SslProtocols server, SslProtocols client, bool connects, CancellationToken cancellationToken)
    {
        await using var listening = await WebSocketServer.StartAsync(new WebSocketServerOptions { Certificate = _server, EnabledSslProtocols = server }, cancellationToken);
        var options = ClientWith(null);
        options.SslOptions!.EnabledSslProtocols = client;

        var connecting = WebSocketConnection.ConnectAsync(listening.Url, options, cancellationToken).AsTask();
        var error = await CatchAsync(connecting);

        Assert.That(error, connects ? Is.Null : Is.InstanceOf<HandshakeException>());
        if (connecting.IsCompletedSuccessfully)
        {
            await connecting.Result.DisposeAsync();
        }
    }

    [Test, CancelAfter(10_000)]
    public async Task Wss_PlainHttpClientAtTlsServer_IsDroppedAndServerKeepsServing(CancellationToken cancellationToken)
    {
        await using var server = await WebSocketServer.StartAsync(new WebSocketServerOptions { Certificate = _server }, cancellationToken);

        var response = await RawHttp.ExchangeAsync(server.LocalEndPoint, RawHttp.UpgradeRequest(), cancellationToken);
        await using var client = await WebSocketConnection.ConnectAsync(server.Url, ClientWith(null), cancellationToken);

        Assert.That(response, Does.Not.StartWith("HTTP/1.1 101"));
        Assert.That(client.State, Is.EqualTo(ConnectionState.Open));
    }

    [Test, CancelAfter(10_000)]
    public async Task Wss_ClientSendsNoTlsHello_ClosedAtHandshakeTimeout(CancellationToken cancellationToken)
    {
        var clock = new TestScheduler();
        await using var server = await WebSocketServer.StartAsync(new WebSocketServerOptions { Certificate = _server, Scheduler = clock }, cancellationToken);
        using var client = new TcpClient();
        await client.ConnectAsync(server.LocalEndPoint, cancellationToken);
        var reading = RawHttp.ReadToEndAsync(client.GetStream(), cancellationToken);
        var openBeforeTimeout = !reading.IsCompleted;

        await Until.TrueAsync(() =>
        {
            clock.AdvanceBy(TimeSpan.FromSeconds(11));
            return reading.IsCompleted;
        }, cancellationToken);

        Assert.That(openBeforeTimeout, Is.True);
        Assert.That(await reading, Is.Empty);
        Assert.That(server.ClientCount, Is.Zero);
    }

    private static async Task<Exception?> CatchAsync(Task task)
    {
        try
        {
            await task;
            return null;
        }
        catch (HandshakeException error)
        {
            return error;
        }
    }

    private WebSocketClientOptions ClientWith(X509Certificate2? clientCertificate) => new()
    {
        SslOptions = new SslClientAuthenticationOptions
        {
            RemoteCertificateValidationCallback = TestCertificates.Pin(_server),
            ClientCertificates = clientCertificate is null ? null : [clientCertificate],
        },
    };
}
