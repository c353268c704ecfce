using RxSockets.Examples.Tests.Support;

namespace RxSockets.Examples.Tests;

public class CustomHeadersExampleTests
{
    [Test, CancelAfter(10_000)]
    public async Task RunAsync_GivenUrl_ServerSeesAuthorizationAndCustomHeader(CancellationToken cancellationToken)
    {
        await using var server = await RecordingServer.StartAsync(cancellationToken);
        var output = new LineWriter();

        await CustomHeadersExample.RunAsync(server.Url, output, cancellationToken);

        var request = server.Requests.Single();
        Assert.That(request.GetHeader("Authorization"), Is.EqualTo("Bearer example-token"));
        Assert.That(request.GetHeader("X-Client-Name"), Is.EqualTo("rxsockets-examples"));
        Assert.That(output.Lines, Does.Contain("Received: hello with headers"));
    }

    [Test, CancelAfter(10_000)]
    public async Task RunAsync_NoUrl_InProcessServerChecksTheToken(CancellationToken cancellationToken)
    {
        var output = new LineWriter();

        await CustomHeadersExample.RunAsync(null, output, cancellationToken);

        Assert.That(output.Lines, Does.Contain("[server] Authorization: Bearer example-token"));
        Assert.That(output.Lines, Does.Contain("Connected with an Authorization header"));
    }
}
