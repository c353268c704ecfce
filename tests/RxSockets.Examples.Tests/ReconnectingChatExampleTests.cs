using RxSockets.Examples.Tests.Support;

namespace RxSockets.Examples.Tests;

public class ReconnectingChatExampleTests
{
    [Test, CancelAfter(20_000)]
    public async Task RunAsync_ServerRestarts_ReconnectsAndDeliversTheLineTypedMeanwhile(CancellationToken cancellationToken)
    {
        var output = new LineWriter();

        await ReconnectingChatExample.RunAsync(null, output, cancellationToken);

        Assert.That(output.Lines, Does.Contain("Received: hello, room"));
        Assert.That(output.Lines, Does.Contain("Disconnected (1001)"));
        Assert.That(output.Lines, Has.Some.StartsWith("Reconnected after "));
        Assert.That(output.Lines, Does.Contain("Received: typed while the server was down"));
    }
}
