using RxSockets.Examples.Tests.Support;

namespace RxSockets.Examples.Tests;

public class StateTrackingExampleTests
{
    [Test, CancelAfter(10_000)]
    public async Task RunAsync_NoUrl_PrintsOpenClosingClosedInOrder(CancellationToken cancellationToken)
    {
        var output = new LineWriter();

        await StateTrackingExample.RunAsync(null, output, cancellationToken);

        Assert.That(output.Lines.Where(l => l.StartsWith("State: ", StringComparison.Ordinal)),
            Is.EqualTo(new[] { "State: Open", "State: Closing", "State: Closed" }));
        Assert.That(output.Lines, Does.Contain("Final state: Closed"));
    }
}
