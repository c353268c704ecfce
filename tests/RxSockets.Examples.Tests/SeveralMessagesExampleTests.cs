using RxSockets.Examples.Tests.Support;

namespace RxSockets.Examples.Tests;

public class SeveralMessagesExampleTests
{
    [Test, CancelAfter(10_000)]
    public async Task RunAsync_EchoServer_SendsFiveAndPrintsEchoesInOrder(CancellationToken cancellationToken)
    {
        await using var server = await RecordingServer.StartAsync(cancellationToken);
        var output = new LineWriter();

        await SeveralMessagesExample.RunAsync(server.Url, output, cancellationToken);

        var expected = Enumerable.Range(1, 5).Select(i => $"Message {i}").ToArray();
        Assert.That(server.ReceivedTexts, Is.EqualTo(expected));
        Assert.That(output.Lines.Where(l => l.StartsWith("Received: ", StringComparison.Ordinal)), Is.EqualTo(expected.Select(e => $"Received: {e}")));
        Assert.That(output.Lines, Does.Contain("All 5 echoes received"));
    }
}
