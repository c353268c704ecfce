using System.Net;
using System.Net.Sockets;
using RxSockets.Examples.Tests.Support;

namespace RxSockets.Examples.Tests;

public class ConnectionTimeoutExampleTests
{
    [Test, CancelAfter(10_000)]
    public async Task RunAsync_NoUrl_ConnectsAndPrintsReply(CancellationToken cancellationToken)
    {
        var output = new LineWriter();

        await ConnectionTimeoutExample.RunAsync(null, TimeSpan.FromSeconds(5), output, cancellationToken);

        Assert.That(output.Lines, Does.Contain("Connected within 5000 ms"));
        Assert.That(output.Lines, Does.Contain("Received: are you there?"));
    }

    [Test, CancelAfter(10_000)]
    public async Task RunAsync_ServerNeverAnswersHandshake_PrintsTimeout(CancellationToken cancellationToken)
    {
        using var silent = new TcpListener(IPAddress.Loopback, 0);   // the OS accepts the TCP connection; nobody answers
        silent.Start();
        var url = new Uri($"ws://127.0.0.1:{((IPEndPoint)silent.LocalEndpoint).Port}/");
        var output = new LineWriter();

        await ConnectionTimeoutExample.RunAsync(url, TimeSpan.FromMilliseconds(200), output, cancellationToken);

        Assert.That(output.Lines.Single(), Does.StartWith("Connection timed out"));
    }

    [Test, CancelAfter(10_000)]
    public async Task RunAsync_ServerNeverReplies_PrintsNoReply(CancellationToken cancellationToken)
    {
        await using var server = await RecordingServer.StartAsync(cancellationToken, _ => []);
        var output = new LineWriter();

        await ConnectionTimeoutExample.RunAsync(server.Url, TimeSpan.FromMilliseconds(300), output, cancellationToken);

        Assert.That(output.Lines, Does.Contain("No reply within 300 ms"));
        Assert.That(server.ReceivedTexts, Is.EqualTo(new[] { "are you there?" }));
    }
}
