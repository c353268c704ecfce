using RxSockets.Examples.Tests.Support;

namespace RxSockets.Examples.Tests;

public class BinaryDataExampleTests
{
    [Test, CancelAfter(10_000)]
    public async Task RunAsync_EchoServer_SendsBinaryAndPrintsBinaryEcho(CancellationToken cancellationToken)
    {
        await using var server = await RecordingServer.StartAsync(cancellationToken);
        var output = new LineWriter();

        await BinaryDataExample.RunAsync(server.Url, output, cancellationToken);

        var sent = server.Received.Single();
        Assert.That(sent.IsBinary, Is.True);
        Assert.That(sent.Data.ToArray(), Is.EqualTo(new byte[] { 0x00, 0x01, 0x02, 0x7F, 0x80, 0xFE, 0xFF }));
        Assert.That(output.Lines, Does.Contain("Received binary message, 7 bytes: 0001027F80FEFF"));
    }
}
