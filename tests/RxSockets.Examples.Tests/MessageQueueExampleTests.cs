using RxSockets.Examples.Tests.Support;

namespace RxSockets.Examples.Tests;

public class MessageQueueExampleTests
{
    [Test, CancelAfter(10_000)]
    public async Task RunAsync_EchoServer_AlternatesSendAndReply(CancellationToken cancellationToken)
    {
        await using var server = await RecordingServer.StartAsync(cancellationToken);
        var output = new LineWriter();

        await MessageQueueExample.RunAsync(server.Url, output, cancellationToken);

        Assert.That(output.Lines.Where(l => l.StartsWith("Sent: ", StringComparison.Ordinal) || l.StartsWith("Received: ", StringComparison.Ordinal)),
            Is.EqualTo(new[] { "Sent: first", "Received: first", "Sent: second", "Received: second", "Sent: third", "Received: third" }));
        Assert.That(server.ReceivedTexts, Is.EqualTo(new[] { "first", "second", "third" }));
    }

    [Test, CancelAfter(10_000)]
    public async Task RunAsync_ServerRepliesOnlyToFirst_SendsNothingMoreBeforeReply(CancellationToken cancellationToken)
    {
        var replies = 0;
        await using var server = await RecordingServer.StartAsync(cancellationToken, m => Interlocked.Increment(ref replies) == 1 ? [m] : []);
        var output = new LineWriter();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var running = MessageQueueExample.RunAsync(server.Url, output, stop.Token);

        await output.WaitForLineAsync("Sent: second", cancellationToken);
        await stop.CancelAsync();

        await Assert.CatchAsync<OperationCanceledException>(() => running);
        Assert.That(output.Lines.Where(l => l.StartsWith("Sent: ", StringComparison.Ordinal)), Is.EqualTo(new[] { "Sent: first", "Sent: second" }));
    }
}
