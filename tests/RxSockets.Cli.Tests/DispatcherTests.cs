using RxSockets.Cli.Tests.Support;

namespace RxSockets.Cli.Tests;

public class DispatcherTests
{
    [TestCase("serve --echo --bogus")]
    [TestCase("serve --port 0")]
    [TestCase("serve --echo --broadcast")]
    [TestCase("serve --echo --port 99999")]
    [TestCase("connect")]
    [TestCase("connect http://127.0.0.1/")]
    [TestCase("connect ws://127.0.0.1/ -H no-colon")]
    [TestCase("echo-client ws://127.0.0.1/ --frob")]
    [TestCase("bench ws://127.0.0.1/ --duration 5")]
    [TestCase("bench ws://127.0.0.1/ --latency=yes")]
    [TestCase("bench ws://127.0.0.1/ --size")]
    [TestCase("frobnicate")]
    [TestCase("")]
    [CancelAfter(30_000)]
    public async Task RunAsync_BadArguments_ExitsTwoWithErrorOnStderr(string commandLine, CancellationToken cancellationToken)
    {
        await using var cli = CliProcess.Start(commandLine.Split(' ', StringSplitOptions.RemoveEmptyEntries));

        var exitCode = await cli.WaitForExitAsync(cancellationToken);

        Assert.That(exitCode, Is.EqualTo(2));
        Assert.That(cli.Stderr, Does.StartWith("error: "));
        Assert.That(cli.Stdout, Is.Empty);
    }

    [TestCase("--help")]
    [TestCase("serve --help")]
    [TestCase("connect --help")]
    [TestCase("echo-client -h")]
    [TestCase("bench --help")]
    [CancelAfter(30_000)]
    public async Task RunAsync_Help_PrintsUsageAndExitsZero(string commandLine, CancellationToken cancellationToken)
    {
        await using var cli = CliProcess.Start(commandLine.Split(' ', StringSplitOptions.RemoveEmptyEntries));

        var exitCode = await cli.WaitForExitAsync(cancellationToken);

        Assert.That(exitCode, Is.Zero);
        Assert.That(cli.Stdout, Does.StartWith("Usage: rxsockets"));
        Assert.That(cli.Stderr, Is.Empty);
    }

    [Test, CancelAfter(30_000)]
    public async Task RunAsync_Version_PrintsThePackageVersionAndExitsZero(CancellationToken cancellationToken)
    {
        await using var cli = CliProcess.Start("--version");

        var exitCode = await cli.WaitForExitAsync(cancellationToken);

        Assert.That(exitCode, Is.Zero, cli.Stderr);
        Assert.That(cli.Stdout, Is.EqualTo(Dispatcher.Version + Environment.NewLine));
        Assert.That(Dispatcher.Version, Does.Match(@"^\d+\.\d+\.\d+$"));
        Assert.That(Dispatcher.Usage, Does.Contain("rxsockets --version"));
    }
}
