using System.Globalization;
using System.Text.RegularExpressions;
using RxSockets.Cli.Tests.Support;
using RxSockets.Tests.Support;

namespace RxSockets.Cli.Tests;

public partial class BenchCommandTests
{
    [Test, CancelAfter(60_000)]
    public async Task Bench_Throughput_LastLineIsResultWithPositiveRate(CancellationToken cancellationToken)
    {
        var (serve, url) = await CliServe.StartAsync(cancellationToken, "--echo", "--quiet");
        await using var _ = serve;
        await using var bench = CliProcess.Start("bench", url.ToString(), "--duration", "1s", "--warmup", "200ms");

        var exitCode = await bench.WaitForExitAsync(cancellationToken);
        var result = ParseLastLine(bench.Stdout);

        Assert.That(exitCode, Is.Zero, bench.Stderr);
        Assert.That(result["msgs_per_s"], Is.Positive);
        Assert.That(result["MB_per_s"], Is.Positive);
        Assert.That(result["p50_us"], Is.Zero);
    }

    [Test, CancelAfter(60_000)]
    public async Task Bench_Latency_LastLineIsResultWithPercentiles(CancellationToken cancellationToken)
    {
        var (serve, url) = await CliServe.StartAsync(cancellationToken, "--echo", "--quiet");
        await using var _ = serve;
        await using var bench = CliProcess.Start("bench", url.ToString(), "--latency", "--count", "200", "--warmup", "200ms", "--size", "64");

        var exitCode = await bench.WaitForExitAsync(cancellationToken);
        var result = ParseLastLine(bench.Stdout);

        Assert.That(exitCode, Is.Zero, bench.Stderr);
        Assert.That(result["msgs_per_s"], Is.Positive);
        Assert.That(result["p50_us"], Is.Positive);
        Assert.That(result["p99_us"], Is.GreaterThanOrEqualTo(result["p50_us"]));
        Assert.That(result["p999_us"], Is.GreaterThanOrEqualTo(result["p99_us"]));
    }

    [Test, CancelAfter(30_000)]
    public async Task Bench_HandshakeRejected_ExitsOneWithStatus(CancellationToken cancellationToken)
    {
        var options = new WebSocketServerOptions
        {
            VerifyClient = (_, _) => ValueTask.FromResult<HandshakeRejection?>(new HandshakeRejection(403)),
        };
        await using var server = await WebSocketServer.StartAsync(options, cancellationToken);
        await using var bench = CliProcess.Start("bench", server.Url.ToString(), "--duration", "1s");

        var exitCode = await bench.WaitForExitAsync(cancellationToken);

        Assert.That(exitCode, Is.EqualTo(1));
        Assert.That(bench.Stderr, Does.StartWith("error: handshake rejected: HTTP 403"));
        Assert.That(bench.Stdout, Does.Not.Contain("result:"));
    }

    [Test, CancelAfter(60_000)]
    public async Task Bench_DeflateAgainstDeflateServe_NegotiatesAndMeasures(CancellationToken cancellationToken)
    {
        var (serve, url) = await CliServe.StartAsync(cancellationToken, "--echo", "--deflate", "--quiet");
        await using var _ = serve;
        // A counted latency run, not a 300 ms window: on a loaded machine a short window may measure nothing.
        await using var bench = CliProcess.Start("bench", url.ToString(), "--deflate", "--size", "4096", "--latency", "--count", "50", "--warmup", "0s");

        var exitCode = await bench.WaitForExitAsync(cancellationToken);
        var result = ParseLastLine(bench.Stdout);

        Assert.That(exitCode, Is.Zero, bench.Stderr);
        Assert.That(bench.Stdout.Split('\n')[0], Does.EndWith(" extensions=permessage-deflate"));
        Assert.That(result["msgs_per_s"], Is.Positive);
    }

    [Test, CancelAfter(60_000)]
    public async Task Bench_WithoutDeflate_ReportsNoExtensions(CancellationToken cancellationToken)
    {
        var (serve, url) = await CliServe.StartAsync(cancellationToken, "--echo", "--deflate", "--quiet");
        await using var _ = serve;
        await using var bench = CliProcess.Start("bench", url.ToString(), "--duration", "300ms", "--warmup", "0s");

        var exitCode = await bench.WaitForExitAsync(cancellationToken);

        Assert.That(exitCode, Is.Zero, bench.Stderr);
        Assert.That(bench.Stdout.Split('\n')[0], Does.EndWith(" extensions=-"));
    }

    [Test, CancelAfter(60_000)]
    public async Task Bench_InsecureAgainstSelfSignedWss_Measures(CancellationToken cancellationToken)
    {
        using var certificate = TestCertificates.Create();
        var directory = Directory.CreateTempSubdirectory("rxsockets-cli-bench-").FullName;
        try
        {
            var pfx = TestCertificates.WritePfx(certificate, directory, password: null);
            var (serve, url) = await CliServe.StartAsync(cancellationToken, "--echo", "--quiet", "--cert", pfx);
            await using var _ = serve;
            await using var checking = CliProcess.Start("bench", url.ToString(), "--latency", "--count", "50", "--warmup", "0s");
            await using var insecure = CliProcess.Start("bench", url.ToString(), "-k", "--latency", "--count", "50", "--warmup", "0s");

            var checkingExit = await checking.WaitForExitAsync(cancellationToken);
            var insecureExit = await insecure.WaitForExitAsync(cancellationToken);

            Assert.That(url.Scheme, Is.EqualTo("wss"));
            Assert.That(checkingExit, Is.EqualTo(1), "without -k the self-signed certificate is refused");
            Assert.That(checking.Stderr, Does.Contain("RemoteCertificateChainErrors"));
            Assert.That(insecureExit, Is.Zero, insecure.Stderr);
            Assert.That(ParseLastLine(insecure.Stdout)["msgs_per_s"], Is.Positive);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    private static Dictionary<string, double> ParseLastLine(string stdout)
    {
        var last = stdout.TrimEnd('\n').Split('\n')[^1];
        var match = ResultLine().Match(last);
        Assert.That(match.Success, Is.True, $"last line: '{last}'");
        return match.Groups.Cast<Group>().Skip(1).ToDictionary(
            g => g.Name, g => double.Parse(g.Value, NumberStyles.Float, CultureInfo.InvariantCulture));
    }

    [GeneratedRegex(@"^result: msgs_per_s=(?<msgs_per_s>\d+(\.\d+)?) MB_per_s=(?<MB_per_s>\d+(\.\d+)?) p50_us=(?<p50_us>\d+(\.\d+)?) p99_us=(?<p99_us>\d+(\.\d+)?) p999_us=(?<p999_us>\d+(\.\d+)?)$", RegexOptions.ExplicitCapture)]
    private static partial Regex ResultLine();
}
