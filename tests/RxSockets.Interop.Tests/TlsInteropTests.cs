using System.Globalization;
using System.Net.Security;
using System.Reactive.Linq;
using System.Reactive.Threading.Tasks;
using System.Security.Cryptography.X509Certificates;
using RxSockets.Interop.Tests.Support;
using RxSockets.Tests.Support;

namespace RxSockets.Interop.Tests;

/// <summary>wss:// against software we did not write: node <c>ws</c> and python <c>websockets</c> clients trusting our
/// server's self-signed certificate, and a node <c>ws</c> TLS server for our client.</summary>
public class TlsInteropTests
{
    private X509Certificate2 _certificate = null!;
    private string _directory = null!;
    private string _certificatePem = null!;
    private string _keyPem = null!;

    [OneTimeSetUp]
    public void CreateCertificate()
    {
        _certificate = TestCertificates.Create();
        _directory = Directory.CreateTempSubdirectory("rxsockets-interop-tls-").FullName;
        (_certificatePem, _keyPem) = TestCertificates.WritePem(_certificate, _directory);
    }

    [OneTimeTearDown]
    public void DisposeCertificate()
    {
        _certificate.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    [TestCase(PeerKind.Python)]
    [TestCase(PeerKind.Node)]
    [CancelAfter(30_000)]
    public async Task Script_PeerClientOverWss_PrintsOkAndClosesCleanly(PeerKind kind, CancellationToken cancellationToken)
    {
        var options = new WebSocketServerOptions { Certificate = _certificate, MaxMessageSize = 64 * 1024 * 1024 };
        await using var server = await WebSocketServer.StartAsync(options, cancellationToken);
        var accepted = server.Connections.FirstAsync().ToTask(cancellationToken);
        await using var client = await PeerProcess.StartAsync(
            kind, PeerInstallation.ClientScript(kind), [server.Url.AbsoluteUri, "--mode", "script"], TrustOurCertificate(kind), cancellationToken);
        await using var connection = await accepted;

        await foreach (var message in connection.ReadAllAsync(cancellationToken))
        {
            await connection.SendAsync(message, cancellationToken);
        }

        Assert.That(server.Url.Scheme, Is.EqualTo("wss"));
        Assert.That(await client.WaitForExitAsync(cancellationToken), Is.Zero, client.Describe());
        Assert.That(client.StandardOutput, Does.Contain("ok"), client.Describe());
        Assert.That(connection.CloseStatus?.Code, Is.EqualTo(CloseCode.NormalClosure));
    }

    [TestCase(PeerKind.Python)]
    [TestCase(PeerKind.Node)]
    [CancelAfter(30_000)]
    public async Task Script_PeerClientNotTrustingCertificate_FailsAndServerKeepsServing(PeerKind kind, CancellationToken cancellationToken)
    {
        await using var server = await WebSocketServer.StartAsync(new WebSocketServerOptions { Certificate = _certificate }, cancellationToken);
        await using var untrusting = await PeerProcess.StartClientAsync(kind, server.Url, ["--mode", "script"], cancellationToken);

        var exitCode = await untrusting.WaitForExitAsync(cancellationToken);
        await using var trusting = await WebSocketConnection.ConnectAsync(server.Url, PinnedClient(), cancellationToken);

        Assert.That(exitCode, Is.Not.Zero, untrusting.Describe());
        Assert.That(untrusting.StandardOutput, Has.Some.StartsWith("fail"), untrusting.Describe());
        Assert.That(trusting.State, Is.EqualTo(ConnectionState.Open));
    }

    [Test, CancelAfter(30_000)]
    public async Task SendAsync_NodeWssServer_EchoesEveryCase(CancellationToken cancellationToken)
    {
        await using var peer = await PeerProcess.StartServerAsync(PeerKind.Node, "wss-server.js", ["--cert", _certificatePem, "--key", _keyPem], cancellationToken);
        var url = new Uri($"wss://127.0.0.1:{peer.Port.ToString(CultureInfo.InvariantCulture)}/secure");
        var options = PinnedClient();
        options.MaxMessageSize = 64 * 1024 * 1024;
        await using var connection = await WebSocketConnection.ConnectAsync(url, options, cancellationToken);
        var received = new List<Message>();

        foreach (var echoCase in InteropScenarios.EchoCases)
        {
            await connection.SendAsync(echoCase.ToMessage(), cancellationToken);
            received.Add(await connection.ReadAllAsync(cancellationToken).FirstAsync(cancellationToken));
        }

        await connection.CloseAsync(CloseCode.NormalClosure, "done", cancellationToken);
        var closed = await peer.WaitForClosedAsync(cancellationToken);

        Assert.That(received.Select(m => m.Type), Is.EqualTo(InteropScenarios.EchoCases.Select(c => c.Type)));
        Assert.That(received.Select(m => m.Data.ToArray()), Is.EqualTo(InteropScenarios.EchoCases.Select(c => c.Payload.ToArray())));
        Assert.That(peer.StandardOutput, Does.Contain("open /secure -"), peer.Describe());
        Assert.That(closed.Code, Is.EqualTo(1000));
    }

    [Test, CancelAfter(30_000)]
    public async Task ConnectAsync_NodeWssServerSelfSignedByDefault_FailsNamingChainErrors(CancellationToken cancellationToken)
    {
        await using var peer = await PeerProcess.StartServerAsync(PeerKind.Node, "wss-server.js", ["--cert", _certificatePem, "--key", _keyPem], cancellationToken);
        var url = new Uri($"wss://127.0.0.1:{peer.Port.ToString(CultureInfo.InvariantCulture)}/");

        var error = await Assert.ThrowsAsync<HandshakeException>(async () => await WebSocketConnection.ConnectAsync(url, cancellationToken: cancellationToken));

        Assert.That(error?.Message, Does.Contain("RemoteCertificateChainErrors"));
    }

    private Dictionary<string, string> TrustOurCertificate(PeerKind kind) => kind == PeerKind.Node
        ? new() { ["NODE_EXTRA_CA_CERTS"] = _certificatePem }
        : new() { ["SSL_CERT_FILE"] = _certificatePem };

    private WebSocketClientOptions PinnedClient() => new()
    {
        SslOptions = new SslClientAuthenticationOptions { RemoteCertificateValidationCallback = TestCertificates.Pin(_certificate) },
    };
}
