using RxSockets.Examples.Tests.Support;

namespace RxSockets.Examples.Tests;

public class BasicEchoExampleTests
{
    [Test, CancelAfter(10_000)]
    public async Task RunAsync_NoUrl_PrintsEchoFromInProcessServer(CancellationToken cancellationToken)
    {
        var output = new LineWriter();

        await BasicEchoExample.RunAsync(null, output, cancellationToken);

        Assert.That(output.Lines, Does.Contain("Received: Hello, server!"));
        Assert.That(output.Lines, Has.Some.StartWith("Closed: 1000"));
    }

    [Test, CancelAfter(10_000)]
    public async Task RunAsync_GivenUrl_ServerReceivesTheGreeting(CancellationToken cancellationToken)
    {
        await using var server = await RecordingServer.StartAsync(cancellationToken);
        var output = new LineWriter();

        await BasicEchoExample.RunAsync(server.Url, output, cancellationToken);

        Assert.That(server.ReceivedTexts, Is.EqualTo(new[] { "Hello, server!" }));
        Assert.That(output.Lines, Does.Contain("Received: Hello, server!"));
    }
}
