using RxSockets.Examples.Tests.Support;

namespace RxSockets.Examples.Tests;

public class JsonRoutingExampleTests
{
    [Test, CancelAfter(10_000)]
    public async Task RunAsync_InProcessServer_RoutesGoodRequestsAndDeadLettersBadOnes(CancellationToken cancellationToken)
    {
        var output = new LineWriter();

        await JsonRoutingExample.RunAsync(null, output, cancellationToken);

        Assert.That(output.Lines, Does.Contain("[client] ack: joined lobby"));
        Assert.That(output.Lines, Does.Contain("[client] ack: alice said: hello"));
        Assert.That(output.Lines, Does.Contain("[client] error unknown-discriminator: Unknown message type 'dance'."));
        Assert.That(output.Lines.Count(line => line.StartsWith("[client] error not-json: ", StringComparison.Ordinal)), Is.EqualTo(1));
        Assert.That(output.Lines.Count(line => line.StartsWith("[client] error bind-failed: ", StringComparison.Ordinal)), Is.EqualTo(1));
        Assert.That(output.Lines, Does.Contain("[server] dead letter: NotJson this is not JSON"));
        Assert.That(output.Lines, Does.Contain("[server] dead letter: UnknownDiscriminator {\"type\":\"dance\"}"));
        Assert.That(output.Lines, Does.Contain("[client] 0 dead letter(s) on the client"));
    }
}
