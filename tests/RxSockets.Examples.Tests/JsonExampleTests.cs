using System.Text.Json;
using RxSockets.Examples.Tests.Support;

namespace RxSockets.Examples.Tests;

public class JsonExampleTests
{
    [Test, CancelAfter(10_000)]
    public async Task RunAsync_EchoServer_ServerSeesJsonAndClientPrintsTypedReply(CancellationToken cancellationToken)
    {
        await using var server = await RecordingServer.StartAsync(cancellationToken);
        var output = new LineWriter();

        await JsonExample.RunAsync(server.Url, output, cancellationToken);

        using var sent = JsonDocument.Parse(server.Received.Single().Data);
        Assert.That(server.Received.Single().IsText, Is.True);
        Assert.That(sent.RootElement.GetProperty("type").GetString(), Is.EqualTo("message"));
        Assert.That(sent.RootElement.GetProperty("user").GetString(), Is.EqualTo("alice"));
        Assert.That(output.Lines, Does.Contain("Received message from alice: Hello in JSON"));
    }

    [Test, CancelAfter(10_000)]
    public async Task RunAsync_ServerSendsInvalidJsonFirst_ReportsItAndStillReadsTheReply(CancellationToken cancellationToken)
    {
        await using var server = await RecordingServer.StartAsync(cancellationToken, m => [Message.Text("not json"), m]);
        var output = new LineWriter();

        await JsonExample.RunAsync(server.Url, output, cancellationToken);

        Assert.That(output.Lines, Does.Contain("Ignored invalid JSON: not json"));
        Assert.That(output.Lines, Does.Contain("Received message from alice: Hello in JSON"));
    }
}
