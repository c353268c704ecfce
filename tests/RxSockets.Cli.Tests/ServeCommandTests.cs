using RxSockets.Cli.Tests.Support;

namespace RxSockets.Cli.Tests;

public class ServeCommandTests
{
    [Test, CancelAfter(30_000)]
    public async Task Serve_Echo_PrintsListeningLineAndEchoesTextAndBinary(CancellationToken cancellationToken)
    {
        var (serve, url) = await CliServe.StartAsync(cancellationToken, "--echo", "--path", "/echo");
        await using var _ = serve;
        await using var client = await WebSocketConnection.ConnectAsync(url, cancellationToken: cancellationToken);

        await client.SendAsync("hello", cancellationToken);
        await client.SendAsync(new byte[] { 0, 1, 255 }.AsMemory(), cancellationToken);
        var echoes = await CliServe.ReadAsync(client, 2, cancellationToken);

        Assert.That(url.ToString(), Does.Match(@"^ws://127\.0\.0\.1:\d+/echo$"));
        Assert.That(url.Port, Is.Not.Zero);
        Assert.That(echoes[0], Is.EqualTo(Message.Text("hello")));
        Assert.That(echoes[1], Is.EqualTo(Message.Binary(new byte[] { 0, 1, 255 })));
    }

    [Test, CancelAfter(30_000)]
    public async Task Serve_NoPath_PrintsSlash(CancellationToken cancellationToken)
    {
        var (serve, url) = await CliServe.StartAsync(cancellationToken, "--echo");
        await using var _ = serve;

        var path = url.AbsolutePath;

        Assert.That(path, Is.EqualTo("/"));
    }

    [Test, CancelAfter(30_000)]
    public async Task Serve_Broadcast_RelaysToOtherClientsButNotTheSender(CancellationToken cancellationToken)
    {
        var (serve, url) = await CliServe.StartAsync(cancellationToken, "--broadcast");
        await using var _ = serve;
        await using var sender = await CliServe.ConnectListedAsync(serve, url, cancellationToken);
        await using var first = await CliServe.ConnectListedAsync(serve, url, cancellationToken);
        await using var second = await CliServe.ConnectListedAsync(serve, url, cancellationToken);

        await sender.SendAsync("news", cancellationToken);
        var atFirst = await CliServe.ReadAsync(first, 1, cancellationToken);
        await first.SendAsync("reply", cancellationToken);
        var atSecond = await CliServe.ReadAsync(second, 2, cancellationToken);
        var atSender = await CliServe.ReadAsync(sender, 1, cancellationToken);

        Assert.That(atFirst, Is.EqualTo(new[] { Message.Text("news") }));
        Assert.That(atSecond, Is.EquivalentTo(new[] { Message.Text("news"), Message.Text("reply") }));
        // The sender's first message is the other client's reply: its own "news" never came back.
        Assert.That(atSender, Is.EqualTo(new[] { Message.Text("reply") }));
    }

    [Test, CancelAfter(30_000)]
    public async Task Serve_Sigterm_ClosesClientsWithGoingAwayAndExitsZero(CancellationToken cancellationToken)
    {
        var (serve, url) = await CliServe.StartAsync(cancellationToken, "--echo");
        await using var _ = serve;
        await using var client = await WebSocketConnection.ConnectAsync(url, cancellationToken: cancellationToken);
        await client.SendAsync("ready?", cancellationToken);
        await CliServe.ReadAsync(client, 1, cancellationToken);

        await serve.SignalAsync("TERM", cancellationToken);
        await client.Completion.WaitAsync(cancellationToken);
        var exitCode = await serve.WaitForExitAsync(cancellationToken);

        Assert.That(client.CloseStatus?.Code, Is.EqualTo(CloseCode.GoingAway));
        Assert.That(exitCode, Is.Zero);
    }
}
