using RxSockets.Cli.Tests.Support;

namespace RxSockets.Cli.Tests;

/// <summary><c>--deflate</c> and <c>--max-fragments</c> on <c>serve</c>, <c>connect</c> and <c>echo-client</c>.</summary>
public class DeflateCommandTests
{
    private static readonly string s_large = string.Concat(Enumerable.Repeat("compress me please; ", 2000));

    [Test, CancelAfter(30_000)]
    public async Task Serve_Deflate_NegotiatesAndEchoesCompressedMessage(CancellationToken cancellationToken)
    {
        var (serve, url) = await CliServe.StartAsync(cancellationToken, "--echo", "--deflate");
        await using var _ = serve;
        var options = new WebSocketClientOptions { PerMessageDeflate = new PerMessageDeflateOptions() };
        await using var client = await WebSocketConnection.ConnectAsync(url, options, cancellationToken);

        await client.SendAsync(s_large, cancellationToken);
        var echo = await client.ReadAllAsync(cancellationToken).FirstAsync(cancellationToken);

        Assert.That(client.Extensions, Is.EqualTo("permessage-deflate"));
        Assert.That(echo.GetText(), Is.EqualTo(s_large));
    }

    [Test, CancelAfter(30_000)]
    public async Task Serve_WithoutDeflate_DeclinesTheOffer(CancellationToken cancellationToken)
    {
        var (serve, url) = await CliServe.StartAsync(cancellationToken, "--echo");
        await using var _ = serve;
        var options = new WebSocketClientOptions { PerMessageDeflate = new PerMessageDeflateOptions() };

        await using var client = await WebSocketConnection.ConnectAsync(url, options, cancellationToken);

        Assert.That(client.Extensions, Is.Empty);
    }

    [Test, CancelAfter(30_000)]
    public async Task Serve_MaxFragments_ClosesWith1009WhenExceeded(CancellationToken cancellationToken)
    {
        var (serve, url) = await CliServe.StartAsync(cancellationToken, "--echo", "--max-fragments", "2");
        await using var _ = serve;
        await using var client = await WebSocketConnection.ConnectAsync(url, new WebSocketClientOptions { FragmentSize = 10 }, cancellationToken);

        await client.SendAsync(new string('x', 25), cancellationToken);
        await client.Completion.WaitAsync(cancellationToken);   // the peer's close handshake completes cleanly

        Assert.That(client.CloseStatus?.Code, Is.EqualTo(CloseCode.MessageTooBig));
    }

    [TestCase("echo-client")]
    [TestCase("connect")]
    [CancelAfter(30_000)]
    public async Task Client_Deflate_OffersAndNegotiates(string command, CancellationToken cancellationToken)
    {
        var options = new WebSocketServerOptions { PerMessageDeflate = new PerMessageDeflateOptions() };
        await using var server = await WebSocketServer.StartAsync(options, cancellationToken);
        await using var cli = CliProcess.Start(command, server.Url.ToString(), "--deflate", "--max-fragments", "0");
        await using var connection = await server.AcceptAllAsync(cancellationToken).FirstAsync(cancellationToken);

        if (command == "echo-client")
        {
            await connection.SendAsync(s_large, cancellationToken);
            var echo = await connection.ReadAllAsync(cancellationToken).FirstAsync(cancellationToken);
            Assert.That(echo.GetText(), Is.EqualTo(s_large));
        }
        else
        {
            await connection.SendAsync(s_large, cancellationToken);
            var line = await cli.ReadLineAsync(cancellationToken);
            Assert.That(line, Is.EqualTo(s_large));
        }

        await connection.CloseAsync(CloseCode.NormalClosure, "done", cancellationToken);
        var exitCode = await cli.WaitForExitAsync(cancellationToken);

        Assert.That(connection.Request?.Extensions, Is.EqualTo("permessage-deflate"));
        Assert.That(connection.Extensions, Is.EqualTo("permessage-deflate"));
        Assert.That(exitCode, Is.Zero);
    }

    [TestCase("echo-client")]
    [TestCase("connect")]
    [CancelAfter(30_000)]
    public async Task Client_MaxFragments_ClosesWith1009WhenExceeded(string command, CancellationToken cancellationToken)
    {
        var options = new WebSocketServerOptions { FragmentSize = 10 };
        await using var server = await WebSocketServer.StartAsync(options, cancellationToken);
        await using var cli = CliProcess.Start(command, server.Url.ToString(), "--max-fragments", "2");
        await using var connection = await server.AcceptAllAsync(cancellationToken).FirstAsync(cancellationToken);

        await connection.SendAsync(new string('x', 25), cancellationToken);
        await connection.Completion.WaitAsync(cancellationToken);   // the peer's close handshake completes cleanly
        var exitCode = await cli.WaitForExitAsync(cancellationToken);

        Assert.That(connection.CloseStatus?.Code, Is.EqualTo(CloseCode.MessageTooBig));
        Assert.That(exitCode, Is.EqualTo(1));
    }
}
