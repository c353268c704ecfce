using RxSockets.Examples.Tests.Support;

namespace RxSockets.Examples.Tests;

public class DashboardExampleTests
{
    [Test, CancelAfter(20_000)]
    public async Task RunAsync_ServerDropsAfterThreeUpdates_AwaitForeachContinuesAcrossTheReconnect(CancellationToken cancellationToken)
    {
        var output = new LineWriter();

        await DashboardExample.RunAsync(null, output, cancellationToken);

        Assert.That(output.Lines, Is.EqualTo(new[] { 10, 20, 30, 40, 50 }.Select(v => $"Dashboard: cpu={v}%")));
    }
}
