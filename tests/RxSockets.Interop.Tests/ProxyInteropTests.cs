using System.Net;
using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using RxSockets.Interop.Tests.Support;

namespace RxSockets.Interop.Tests;

/// <summary>The RxSockets client through a proxy we did not write: Debian's tinyproxy, tunnelling with CONNECT.</summary>
public class ProxyInteropTests
{
    private static WebSocketClientOptions Through(TinyProxy proxy, NetworkCredential? credentials = null) => new()
    {
        Proxy = new WebProxy(proxy.Url) { Credentials = credentials },
    };

    private static async Task<(WebSocketServer Server, Task Serving)> StartEchoServerAsync(CancellationToken cancellationToken)
    {
        var server = await WebSocketServer.StartAsync(new WebSocketServerOptions(), cancellationToken);
        var serving = Task.Run(async () =>
        {
            await foreach (var connection in server.AcceptAllAsync(cancellationToken))
            {
                await foreach (var message in connection.ReadAllAsync(cancellationToken))
                {
                    await connection.SendAsync(message, cancellationToken);
                }

                return;
            }
        }, cancellationToken);
        return (server, serving);
    }

    private static async Task<string> EchoAsync(WebSocketConnection client, string text, CancellationToken cancellationToken)
    {
        await client.SendAsync(text, cancellationToken);
        var reader = client.ReadAllAsync(cancellationToken).GetAsyncEnumerator(cancellationToken);
        await reader.MoveNextAsync();
        var echoed = reader.Current.GetText();
        await reader.DisposeAsync();
        await client.CloseAsync(CloseCode.NormalClosure, "", cancellationToken);
        return echoed;
    }

    [Test, CancelAfter(20_000)]
    public async Task ConnectAsync_WsThroughProxy_TunnelsWithConnectAndEchoes(CancellationToken cancellationToken)
    {
        var (server, serving) = await StartEchoServerAsync(cancellationToken);
        await using var _ = server;
        await using var proxy = await TinyProxy.StartAsync(server.LocalEndPoint.Port, null, null, cancellationToken);

        await using var client = await WebSocketConnection.ConnectAsync(server.Url, Through(proxy), cancellationToken);
        var echoed = await EchoAsync(client, "through the tunnel", cancellationToken);
        var logged = await proxy.WaitForLineAsync($"CONNECT 127.0.0.1:{server.LocalEndPoint.Port}", cancellationToken);

        Assert.That(echoed, Is.EqualTo("through the tunnel"));
        Assert.That(logged, Does.Contain("CONNECT"));
        await serving;
    }

    [Test, CancelAfter(20_000)]
    public async Task ConnectAsync_ProxyWithBasicAuthAndRightCredentials_Connects(CancellationToken cancellationToken)
    {
        var (server, serving) = await StartEchoServerAsync(cancellationToken);
        await using var _ = server;
        await using var proxy = await TinyProxy.StartAsync(server.LocalEndPoint.Port, "alice", "s3cret", cancellationToken);

        await using var client = await WebSocketConnection.ConnectAsync(server.Url, Through(proxy, new NetworkCredential("alice", "s3cret")), cancellationToken);
        var echoed = await EchoAsync(client, "authenticated", cancellationToken);

        Assert.That(echoed, Is.EqualTo("authenticated"));
        await serving;
    }

    [Test, CancelAfter(20_000)]
    public async Task ConnectAsync_ProxyWithBasicAuthAndNoCredentials_Throws407(CancellationToken cancellationToken)
    {
        await using var server = await WebSocketServer.StartAsync(new WebSocketServerOptions(), cancellationToken);
        await using var proxy = await TinyProxy.StartAsync(server.LocalEndPoint.Port, "alice", "s3cret", cancellationToken);

        var error = await Assert.ThrowsAsync<HandshakeException>(async () =>
            await WebSocketConnection.ConnectAsync(server.Url, Through(proxy), cancellationToken));

        Assert.That(error?.StatusCode, Is.EqualTo(407));
        Assert.That(error?.Message, Does.Contain("the proxy").And.Contain("407").And.Contain("wants credentials"));
        Assert.That(error?.Headers["Proxy-Authenticate"], Does.StartWith("Basic"));
        Assert.That(error?.IsTransient, Is.False);
    }

    [Test, CancelAfter(20_000)]
    public async Task ConnectAsync_ProxyWithBasicAuthAndWrongPassword_ThrowsWithProxyStatus(CancellationToken cancellationToken)
    {
        await using var server = await WebSocketServer.StartAsync(new WebSocketServerOptions(), cancellationToken);
        await using var proxy = await TinyProxy.StartAsync(server.LocalEndPoint.Port, "alice", "s3cret", cancellationToken);

        var error = await Assert.ThrowsAsync<HandshakeException>(async () =>
            await WebSocketConnection.ConnectAsync(server.Url, Through(proxy, new NetworkCredential("alice", "wrong")), cancellationToken));

        // tinyproxy 1.11 answers wrong credentials with 401 (and missing ones with 407); the status is passed on as is.
        Assert.That(error?.StatusCode, Is.EqualTo(401));
        Assert.That(error?.Message, Does.Contain("the proxy").And.Contain("refused the credentials"));
        Assert.That(error?.IsTransient, Is.False);
    }

    [Test, CancelAfter(20_000)]
    public async Task ConnectAsync_ProxyForbidsThePort_ThrowsWithProxyStatus(CancellationToken cancellationToken)
    {
        await using var server = await WebSocketServer.StartAsync(new WebSocketServerOptions(), cancellationToken);
        await using var proxy = await TinyProxy.StartAsync(server.LocalEndPoint.Port == 1 ? 2 : 1, null, null, cancellationToken);

        var error = await Assert.ThrowsAsync<HandshakeException>(async () =>
            await WebSocketConnection.ConnectAsync(server.Url, Through(proxy), cancellationToken));

        Assert.That(error?.StatusCode, Is.EqualTo(403));
        Assert.That(error?.Message, Does.Contain($"refused CONNECT 127.0.0.1:{server.LocalEndPoint.Port}"));
    }

    [Test, CancelAfter(20_000)]
    public async Task ConnectAsync_HttpProxyVariableWithCredentials_IsPickedUp(CancellationToken cancellationToken)
    {
        var (server, serving) = await StartEchoServerAsync(cancellationToken);
        await using var _ = server;
        await using var proxy = await TinyProxy.StartAsync(server.LocalEndPoint.Port, "bob", "pw", cancellationToken);
        var variables = new Dictionary<string, string>
        {
            ["http_proxy"] = $"http://bob:pw@127.0.0.1:{proxy.Port}",
            ["HTTPS_PROXY"] = "http://127.0.0.1:1",   // for wss:// only: must not be used for ws://
        };
        var options = new WebSocketClientOptions { EnvironmentVariables = name => variables.GetValueOrDefault(name) };

        await using var client = await WebSocketConnection.ConnectAsync(server.Url, options, cancellationToken);
        var echoed = await EchoAsync(client, "from the environment", cancellationToken);
        var logged = await proxy.WaitForLineAsync($"CONNECT 127.0.0.1:{server.LocalEndPoint.Port}", cancellationToken);

        Assert.That(echoed, Is.EqualTo("from the environment"));
        Assert.That(logged, Does.Contain("CONNECT"));
        await serving;
    }

    /// <summary>wss:// through the proxy: TLS runs end to end inside the CONNECT tunnel (the proxy only sees
    /// <c>CONNECT localhost:port</c>), with the server's self-signed certificate pinned by the client's SslOptions.</summary>
    [Test, CancelAfter(20_000)]
    public async Task ConnectAsync_WssThroughProxy_RunsTlsInsideTheTunnelAndEchoes(CancellationToken cancellationToken)
    {
        using var certificate = CreateSelfSignedCertificate();
        await using var server = await WebSocketServer.StartAsync(new WebSocketServerOptions { Certificate = certificate }, cancellationToken);
        var serving = Task.Run(async () =>
        {
            await foreach (var connection in server.AcceptAllAsync(cancellationToken))
            {
                await foreach (var message in connection.ReadAllAsync(cancellationToken))
                {
                    await connection.SendAsync(message, cancellationToken);
                }

                return;
            }
        }, cancellationToken);
        var port = server.LocalEndPoint.Port;
        await using var proxy = await TinyProxy.StartAsync(port, null, null, cancellationToken);
        var options = Through(proxy);
        options.SslOptions = new SslClientAuthenticationOptions
        {
            RemoteCertificateValidationCallback = (_, presented, _, errors) =>
                presented?.GetCertHashString() == certificate.GetCertHashString()
                && (errors & ~SslPolicyErrors.RemoteCertificateChainErrors) == SslPolicyErrors.None,
        };

        await using var client = await WebSocketConnection.ConnectAsync(new Uri($"wss://localhost:{port}/"), options, cancellationToken);
        var echoed = await EchoAsync(client, "encrypted through the tunnel", cancellationToken);
        var logged = await proxy.WaitForLineAsync($"CONNECT localhost:{port}", cancellationToken);

        Assert.That(echoed, Is.EqualTo("encrypted through the tunnel"));
        Assert.That(logged, Does.Contain("CONNECT"));
        await serving;
    }

    private static X509Certificate2 CreateSelfSignedCertificate()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=localhost", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName("localhost");
        request.CertificateExtensions.Add(names.Build());
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddHours(1));
        return X509CertificateLoader.LoadPkcs12(certificate.Export(X509ContentType.Pfx), null);
    }
}
