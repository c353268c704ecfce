using RxSockets.Examples.Tests.Support;

namespace RxSockets.Examples.Tests;

public class PingPongExampleTests
{
    [Test, CancelAfter(10_000)]
    public async Task RunAsync_NoUrl_PrintsRoundTripForEachPingAndSeesEveryPong(CancellationToken cancellationToken)
    {
        var output = new LineWriter();

        await PingPongExample.RunAsync(null, output, cancellationToken);

        Assert.That(output.Lines.Count(l => l.StartsWith("Ping ", StringComparison.Ordinal) && l.Contains("round trip", StringComparison.Ordinal)), Is.EqualTo(3));
        Assert.That(output.Lines.Count(l => l.StartsWith("Pong received", StringComparison.Ordinal)), Is.EqualTo(3));
        Assert.That(output.Lines, Does.Contain("Pongs seen: 3"));
    }
}
