using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using RxSockets.Tests.Support;

namespace RxSockets.Tests.Server;

public class TlsOptionsTests
{
    private X509Certificate2 _certificate = null!;
    private string _directory = null!;

    [OneTimeSetUp]
    public void CreateCertificate()
    {
        _certificate = TestCertificates.Create();
        _directory = Directory.CreateTempSubdirectory("rxsockets-tls-").FullName;
    }

    [OneTimeTearDown]
    public void DisposeCertificate()
    {
        _certificate.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    [Test, CancelAfter(10_000)]
    public async Task StartAsync_PfxPathAndPassword_ServesWss(CancellationToken cancellationToken)
    {
        var path = TestCertificates.WritePfx(_certificate, _directory, "secret");
        await using var server = await WebSocketServer.StartAsync(new WebSocketServerOptions { CertificatePath = path, CertificatePassword = "secret" }, cancellationToken);
        var options = new WebSocketClientOptions { SslOptions = new() { RemoteCertificateValidationCallback = TestCertificates.Pin(_certificate) } };

        await using var client = await WebSocketConnection.ConnectAsync(server.Url, options, cancellationToken);

        Assert.That(server.Url.Scheme, Is.EqualTo("wss"));
        Assert.That(client.State, Is.EqualTo(ConnectionState.Open));
    }

    [Test, CancelAfter(10_000)]
    public async Task StartAsync_PfxWithWrongPassword_ThrowsNamingCertificatePath(CancellationToken cancellationToken)
    {
        var path = TestCertificates.WritePfx(_certificate, _directory, "secret");

        var error = await Assert.ThrowsAsync<ArgumentException>(async () =>
            await WebSocketServer.StartAsync(new WebSocketServerOptions { CertificatePath = path, CertificatePassword = "wrong" }, cancellationToken));

        Assert.That(error?.ParamName, Is.EqualTo(nameof(WebSocketServerOptions.CertificatePath)));
    }

    [Test, CancelAfter(10_000)]
    public async Task StartAsync_MissingPfxFile_ThrowsNamingCertificatePath(CancellationToken cancellationToken)
    {
        var options = new WebSocketServerOptions { CertificatePath = Path.Combine(_directory, "absent.pfx") };

        var error = await Assert.ThrowsAsync<ArgumentException>(async () => await WebSocketServer.StartAsync(options, cancellationToken));

        Assert.That(error?.ParamName, Is.EqualTo(nameof(WebSocketServerOptions.CertificatePath)));
    }

    [Test, CancelAfter(10_000)]
    public async Task StartAsync_CertificateWithoutPrivateKey_ThrowsNamingCertificate(CancellationToken cancellationToken)
    {
        using var publicOnly = X509CertificateLoader.LoadCertificate(_certificate.Export(X509ContentType.Cert));

        var error = await Assert.ThrowsAsync<ArgumentException>(async () => await WebSocketServer.StartAsync(new WebSocketServerOptions { Certificate = publicOnly }, cancellationToken));

        Assert.That(error?.ParamName, Is.EqualTo(nameof(WebSocketServerOptions.Certificate)));
    }

    [TestCase(nameof(WebSocketServerOptions.ClientCertificateRequired))]
    [TestCase(nameof(WebSocketServerOptions.ClientCertificateValidation))]
    [TestCase(nameof(WebSocketServerOptions.CertificatePassword))]
    [CancelAfter(10_000)]
    public async Task StartAsync_TlsOptionWithoutCertificate_ThrowsNamingIt(string property, CancellationToken cancellationToken)
    {
        var options = new WebSocketServerOptions();
        switch (property)
        {
            case nameof(WebSocketServerOptions.ClientCertificateRequired):
                options.ClientCertificateRequired = true;
                break;
            case nameof(WebSocketServerOptions.ClientCertificateValidation):
                options.ClientCertificateValidation = (_, certificate, _, _) => certificate is not null;
                break;
            default:
                options.CertificatePassword = "secret";
                break;
        }

        var error = await Assert.ThrowsAsync<ArgumentException>(async () => await WebSocketServer.StartAsync(options, cancellationToken));

        Assert.That(error?.ParamName, Is.EqualTo(property));
    }

    [Test, CancelAfter(10_000)]
    public async Task StartAsync_CertificateAndCertificatePath_ThrowsNamingCertificate(CancellationToken cancellationToken)
    {
        var path = TestCertificates.WritePfx(_certificate, _directory, null);

        var error = await Assert.ThrowsAsync<ArgumentException>(async () =>
            await WebSocketServer.StartAsync(new WebSocketServerOptions { Certificate = _certificate, CertificatePath = path }, cancellationToken));

        Assert.That(error?.ParamName, Is.EqualTo(nameof(WebSocketServerOptions.Certificate)));
    }

    [Test, CancelAfter(10_000)]
    public async Task ConnectAsync_BlankTargetHost_ThrowsNamingSslOptions(CancellationToken cancellationToken)
    {
        var options = new WebSocketClientOptions { SslOptions = new SslClientAuthenticationOptions { TargetHost = " " } };

        var error = await Assert.ThrowsAsync<ArgumentException>(async () => await WebSocketConnection.ConnectAsync(new Uri("wss://127.0.0.1:1/"), options, cancellationToken));

        Assert.That(error?.ParamName, Is.EqualTo(nameof(WebSocketClientOptions.SslOptions)));
    }

    [Test]
    public void ValidatedCopy_SslOptions_LaterChangesDoNotReachTheCopy()
    {
        var options = new WebSocketClientOptions { SslOptions = new SslClientAuthenticationOptions { TargetHost = "a.example", ClientCertificates = [_certificate] } };

        var copy = options.ValidatedCopy();
        options.SslOptions.TargetHost = "b.example";
        options.SslOptions.ClientCertificates.Clear();

        Assert.That(copy.SslOptions, Is.Not.SameAs(options.SslOptions));
        Assert.That(copy.SslOptions?.TargetHost, Is.EqualTo("a.example"));
        Assert.That(copy.SslOptions?.ClientCertificates, Has.Count.EqualTo(1));
    }
}
