using RxSockets.Cli.Tests.Support;

namespace RxSockets.Cli.Tests;

/// <summary><c>--deflate</c>, <c>--deflate-window-bits</c> and <c>--max-fragments</c> on <c>serve</c>, <c>connect</c> and <c>echo-client</c>.</summary>
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

        Assert.That(connection.Request?.Extensions, Is.EqualTo("permessage-deflate; client_max_window_bits"));
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

    [Test, CancelAfter(30_000)]
    public async Task Serve_DeflateWindowBits_CompressesWithinItAndAsksClientsForIt(CancellationToken cancellationToken)
    {
        var (serve, url) = await CliServe.StartAsync(cancellationToken, "--echo", "--deflate-window-bits", "9");
        await using var _ = serve;
        var options = new WebSocketClientOptions { PerMessageDeflate = new PerMessageDeflateOptions() };
        await using var client = await WebSocketConnection.ConnectAsync(url, options, cancellationToken);

        await client.SendAsync(s_large, cancellationToken);
        var echo = await client.ReadAllAsync(cancellationToken).FirstAsync(cancellationToken);

        Assert.That(client.Extensions, Is.EqualTo("permessage-deflate; server_max_window_bits=9; client_max_window_bits=9"));
        Assert.That(echo.GetText(), Is.EqualTo(s_large));
    }

    [TestCase("echo-client")]
    [TestCase("connect")]
    [CancelAfter(30_000)]
    public async Task Client_DeflateWindowBits_AsksTheServerAndAnnouncesIt(string command, CancellationToken cancellationToken)
    {
        var options = new WebSocketServerOptions { PerMessageDeflate = new PerMessageDeflateOptions() };
        await using var server = await WebSocketServer.StartAsync(options, cancellationToken);
        await using var cli = CliProcess.Start(command, server.Url.ToString(), "--deflate-window-bits", "10");
        await using var connection = await server.AcceptAllAsync(cancellationToken).FirstAsync(cancellationToken);

        await connection.SendAsync(s_large, cancellationToken);
        var reply = command == "echo-client"
            ? (await connection.ReadAllAsync(cancellationToken).FirstAsync(cancellationToken)).GetText()
            : await cli.ReadLineAsync(cancellationToken);
        await connection.CloseAsync(CloseCode.NormalClosure, "done", cancellationToken);

        Assert.That(reply, Is.EqualTo(s_large));
        Assert.That(connection.Request?.Extensions, Is.EqualTo("permessage-deflate; server_max_window_bits=10; client_max_window_bits=10"));
        Assert.That(connection.Extensions, Is.EqualTo("permessage-deflate; server_max_window_bits=10"));
        Assert.That(await cli.WaitForExitAsync(cancellationToken), Is.Zero);
    }

    [TestCase("serve", "7")]
    [TestCase("serve", "16")]
    [TestCase("echo-client", "x")]
    [TestCase("connect", "")]
    [CancelAfter(30_000)]
    public async Task DeflateWindowBits_OutOfRange_IsAUsageError(string command, string bits, CancellationToken cancellationToken)
    {
        string[] arguments = command == "serve" ? [command, "--port", "0", "--deflate-window-bits", bits] : [command, "ws://127.0.0.1:1/", "--deflate-window-bits", bits];
        await using var cli = CliProcess.Start(arguments);

        var exitCode = await cli.WaitForExitAsync(cancellationToken);

        Assert.That(exitCode, Is.EqualTo(2));
        Assert.That(cli.Stderr, Does.Contain("--deflate-window-bits needs a whole number from 8 to 15"));
    }
}
