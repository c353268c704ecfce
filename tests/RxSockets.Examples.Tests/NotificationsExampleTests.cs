using RxSockets.Examples.Tests.Support;

namespace RxSockets.Examples.Tests;

public class NotificationsExampleTests
{
    [Test, CancelAfter(20_000)]
    public async Task RunAsync_ServerDropsTheClient_ResubscribesAfterTheReconnect(CancellationToken cancellationToken)
    {
        var output = new LineWriter();

        await NotificationsExample.RunAsync(null, output, cancellationToken);

        Assert.That(output.Lines, Is.EqualTo(new[]
        {
            "Connected with notify.v1: subscribing to alerts",
            "Notification: alert #1",
            "Connected with notify.v1: subscribing to alerts",
            "Notification: alert #2",
        }));
    }
}
