using RxSockets.Examples.Tests.Support;

namespace RxSockets.Examples.Tests;

public class EchoServerExampleTests
{
    [Test, CancelAfter(10_000)]
    public async Task RunAsync_ClientSends_EchoesUntilCancelled(CancellationToken cancellationToken)
    {
        var output = new LineWriter();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var running = EchoServerExample.RunAsync(0, output, stop.Token);
        var url = ServerUrl.From(await output.WaitForLineAsync("Echo server listening on ", cancellationToken));

        await using var client = await WebSocketConnection.ConnectAsync(url, cancellationToken: cancellationToken);
        await client.SendAsync("echo me", cancellationToken);
        string? echo = null;
        await foreach (var message in client.ReadAllAsync(cancellationToken))
        {
            echo = message.GetText();
            break;
        }

        await client.CloseAsync(cancellationToken: cancellationToken);
        await output.WaitForLineAsync(line => line.Contains("disconnected", StringComparison.Ordinal), cancellationToken);
        await stop.CancelAsync();
        await running;

        Assert.That(echo, Is.EqualTo("echo me"));
        Assert.That(output.Lines, Has.Some.Contains("connected from 127.0.0.1"));
        Assert.That(output.Lines[^1], Is.EqualTo("Stopped"));
    }
}
