using RxSockets.Examples.Tests.Support;

namespace RxSockets.Examples.Tests;

public class ErrorHandlingExampleTests
{
    [Test, CancelAfter(10_000)]
    public async Task RunAsync_UnreachableHost_PrintsConnectionRefused(CancellationToken cancellationToken)
    {
        var output = new LineWriter();

        var connected = await ErrorHandlingExample.RunAsync(null, output, cancellationToken);

        Assert.That(connected, Is.False);
        Assert.That(output.Lines[^1], Does.StartWith("Cannot reach 127.0.0.1:").And.Contain("ConnectionRefused"));
    }

    [Test, CancelAfter(10_000)]
    public async Task RunAsync_ServerRefusesUpgrade_PrintsHttpStatus(CancellationToken cancellationToken)
    {
        var options = new WebSocketServerOptions { VerifyClient = (_, _) => ValueTask.FromResult<HandshakeRejection?>(new HandshakeRejection(401)) };
        await using var server = await RecordingServer.StartAsync(cancellationToken, options: options);
        var output = new LineWriter();

        var connected = await ErrorHandlingExample.RunAsync(server.Url, output, cancellationToken);

        Assert.That(connected, Is.False);
        Assert.That(output.Lines[^1], Is.EqualTo("The server refused the upgrade: HTTP 401 (retrying will not help)"));
    }

    [Test, CancelAfter(10_000)]
    public async Task RunAsync_ReachableServer_ReturnsTrue(CancellationToken cancellationToken)
    {
        await using var server = await RecordingServer.StartAsync(cancellationToken);
        var output = new LineWriter();

        var connected = await ErrorHandlingExample.RunAsync(server.Url, output, cancellationToken);

        Assert.That(connected, Is.True);
        Assert.That(output.Lines, Does.Contain("Connected"));
    }
}
