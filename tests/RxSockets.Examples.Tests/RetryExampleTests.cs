using RxSockets.Examples.Tests.Support;

namespace RxSockets.Examples.Tests;

public class RetryExampleTests
{
    [Test, CancelAfter(10_000)]
    public async Task RunAsync_ServerStartsAfterTwoFailures_BacksOffExponentiallyThenConnects(CancellationToken cancellationToken)
    {
        var output = new LineWriter();
        var delays = new List<TimeSpan>();

        await RetryExample.RunAsync(null, output, (delay, _) =>
        {
            delays.Add(delay);
            return Task.CompletedTask;
        }, cancellationToken);

        Assert.That(delays, Is.EqualTo(new[] { TimeSpan.FromMilliseconds(200), TimeSpan.FromMilliseconds(400) }));
        Assert.That(output.Lines, Does.Contain("Attempt 3: connected"));
        Assert.That(output.Lines, Does.Contain("Received: hello after retrying"));
    }

    [Test, CancelAfter(10_000)]
    public async Task ConnectWithRetryAsync_ServerNeverComes_GivesUpAfterMaxAttempts(CancellationToken cancellationToken)
    {
        var url = new Uri($"ws://127.0.0.1:{ExampleTarget.UnusedLoopbackPort()}/");
        var output = new LineWriter();
        var delays = new List<TimeSpan>();

        await Assert.ThrowsAsync<System.Net.Sockets.SocketException>(() => RetryExample.ConnectWithRetryAsync(url, output, (delay, _) =>
        {
            delays.Add(delay);
            return Task.CompletedTask;
        }, cancellationToken));

        Assert.That(delays.Select(d => d.TotalMilliseconds), Is.EqualTo(new[] { 200.0, 400, 800, 1600, 3200 }));
    }
}
