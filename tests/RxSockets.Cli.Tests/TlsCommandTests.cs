using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using RxSockets.Cli.Tests.Support;
using RxSockets.Tests.Support;

namespace RxSockets.Cli.Tests;

public class TlsCommandTests
{
    private const string Password = "pfx-password";
    private X509Certificate2 _certificate = null!;
    private string _directory = null!;
    private string _pfx = null!;

    [OneTimeSetUp]
    public void CreateCertificate()
    {
        _certificate = TestCertificates.Create();
        _directory = Directory.CreateTempSubdirectory("rxsockets-cli-tls-").FullName;
        _pfx = TestCertificates.WritePfx(_certificate, _directory, Password);
    }

    [OneTimeTearDown]
    public void DisposeCertificate()
    {
        _certificate.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    [Test, CancelAfter(30_000)]
    public async Task Serve_CertPfx_PrintsWssUrlAndEchoesOverTls(CancellationToken cancellationToken)
    {
        var (serve, url) = await CliServe.StartAsync(cancellationToken, "--echo", "--cert", _pfx, "--cert-password", Password);
        await using var _ = serve;
        var options = new WebSocketClientOptions { SslOptions = new SslClientAuthenticationOptions { RemoteCertificateValidationCallback = TestCertificates.Pin(_certificate) } };
        await using var client = await WebSocketConnection.ConnectAsync(url, options, cancellationToken);

        await client.SendAsync("secret hello", cancellationToken);
        var echo = await client.ReadAllAsync(cancellationToken).FirstAsync(cancellationToken);

        Assert.That(url.ToString(), Does.Match(@"^wss://127\.0\.0\.1:\d+/$"));
        Assert.That(echo, Is.EqualTo(Message.Text("secret hello")));
    }

    [Test, CancelAfter(30_000)]
    public async Task Serve_CertWrongPassword_PrintsErrorAndExitsOne(CancellationToken cancellationToken)
    {
        await using var serve = CliProcess.Start("serve", "--echo", "--port", "0", "--cert", _pfx, "--cert-password", "wrong");

        var exitCode = await serve.WaitForExitAsync(cancellationToken);

        Assert.That(exitCode, Is.EqualTo(1));
        Assert.That(serve.Stderr, Does.Contain("error: cannot use --cert"));
    }

    [Test, CancelAfter(30_000)]
    public async Task Connect_Insecure_TalksToSelfSignedServe(CancellationToken cancellationToken)
    {
        var (serve, url) = await CliServe.StartAsync(cancellationToken, "--echo", "--cert", _pfx, "--cert-password", Password);
        await using var _ = serve;
        await using var cli = CliProcess.Start("connect", url.ToString(), "--insecure");

        await cli.Stdin.WriteLineAsync("hello over wss");
        await cli.Stdin.FlushAsync(cancellationToken);
        var line = await cli.ReadLineAsync(cancellationToken);
        cli.Stdin.Close();
        var exitCode = await cli.WaitForExitAsync(cancellationToken);

        Assert.That(line, Is.EqualTo("hello over wss"));
        Assert.That(exitCode, Is.Zero, cli.Stderr);
    }

    [Test, CancelAfter(30_000)]
    public async Task Connect_SelfSignedServerWithoutInsecure_FailsNamingPolicyErrors(CancellationToken cancellationToken)
    {
        await using var server = await WebSocketServer.StartAsync(new WebSocketServerOptions { Certificate = _certificate }, cancellationToken);
        await using var cli = CliProcess.Start("connect", server.Url.ToString());

        var exitCode = await cli.WaitForExitAsync(cancellationToken);

        Assert.That(exitCode, Is.EqualTo(1));
        Assert.That(cli.Stderr, Does.Contain("error: handshake failed: TLS").And.Contain("RemoteCertificateChainErrors"));
    }

    [Test, CancelAfter(30_000)]
    public async Task EchoClient_Insecure_EchoesForSelfSignedServer(CancellationToken cancellationToken)
    {
        await using var server = await WebSocketServer.StartAsync(new WebSocketServerOptions { Certificate = _certificate }, cancellationToken);
        await using var cli = CliProcess.Start("echo-client", server.Url.ToString(), "-k");
        Message? echo = null;

        await foreach (var connection in server.AcceptAllAsync(cancellationToken))
        {
            await connection.SendAsync("ping me back", cancellationToken);
            echo = await connection.ReadAllAsync(cancellationToken).FirstAsync(cancellationToken);
            await connection.CloseAsync(CloseCode.NormalClosure, "done", cancellationToken);
            break;
        }

        var exitCode = await cli.WaitForExitAsync(cancellationToken);

        Assert.That(echo, Is.EqualTo(Message.Text("ping me back")));
        Assert.That(exitCode, Is.Zero, cli.Stderr);
    }
}
