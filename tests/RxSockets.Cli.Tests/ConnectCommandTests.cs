using System.Collections.Concurrent;
using RxSockets.Cli.Tests.Support;

namespace RxSockets.Cli.Tests;

public class ConnectCommandTests
{
    [Test, CancelAfter(30_000)]
    public async Task Connect_StdinLines_AreSentAndRepliesPrinted(CancellationToken cancellationToken)
    {
        await using var server = await WebSocketServer.StartAsync(new WebSocketServerOptions(), cancellationToken);
        var received = new ConcurrentQueue<string>();
        var serving = ServeAsync(server, received, cancellationToken);
        await using var cli = CliProcess.Start("connect", server.Url.ToString(), "-H", "X-Test: yes");

        await cli.Stdin.WriteLineAsync("hello");
        await cli.Stdin.FlushAsync(cancellationToken);
        var textLine = await cli.ReadLineAsync(cancellationToken);
        await cli.Stdin.WriteLineAsync("binary please");
        await cli.Stdin.FlushAsync(cancellationToken);
        var shortLine = await cli.ReadLineAsync(cancellationToken);
        var longLine = await cli.ReadLineAsync(cancellationToken);
        cli.Stdin.Close();
        var exitCode = await cli.WaitForExitAsync(cancellationToken);
        var closeCode = await serving;

        Assert.That(textLine, Is.EqualTo("echo: hello"));
        Assert.That(shortLine, Is.EqualTo("<binary 3 bytes: 0102ff>"));
        Assert.That(longLine, Is.EqualTo("<binary 40 bytes: " + Convert.ToHexStringLower(Sequence(40), 0, 32) + "…>"));
        Assert.That(received, Is.EqualTo(new[] { "header yes", "hello", "binary please" }));
        Assert.That(closeCode, Is.EqualTo(CloseCode.NormalClosure));
        Assert.That(exitCode, Is.Zero);
    }

    [Test, CancelAfter(30_000)]
    public async Task Connect_Subprotocol_IsOfferedAndAgreed(CancellationToken cancellationToken)
    {
        var options = new WebSocketServerOptions { SubProtocols = { "chat" } };
        await using var server = await WebSocketServer.StartAsync(options, cancellationToken);
        await using var cli = CliProcess.Start("connect", server.Url.ToString(), "--subprotocol", "chat");
        string? agreed = null;

        await foreach (var connection in server.AcceptAllAsync(cancellationToken))
        {
            agreed = connection.SubProtocol;
            break;
        }

        cli.Stdin.Close();
        var exitCode = await cli.WaitForExitAsync(cancellationToken);

        Assert.That(agreed, Is.EqualTo("chat"));
        Assert.That(exitCode, Is.Zero);
    }

    [Test, CancelAfter(30_000)]
    public async Task Connect_ServerClosesWithError_PrintsCloseAndExitsNonZero(CancellationToken cancellationToken)
    {
        await using var server = await WebSocketServer.StartAsync(new WebSocketServerOptions(), cancellationToken);
        var serving = Task.Run(async () =>
        {
            await foreach (var connection in server.AcceptAllAsync(cancellationToken))
            {
                await connection.CloseAsync(CloseCode.InternalError, "oops", cancellationToken);
                return;
            }
        }, cancellationToken);
        await using var cli = CliProcess.Start("connect", server.Url.ToString());

        var exitCode = await cli.WaitForExitAsync(cancellationToken);
        await serving;

        Assert.That(cli.Stderr, Does.Contain("closed 1011 oops"));
        Assert.That(exitCode, Is.Not.Zero);
    }

    [Test, CancelAfter(30_000)]
    public async Task Connect_HandshakeRejected_PrintsStatusAndExitsNonZero(CancellationToken cancellationToken)
    {
        var options = new WebSocketServerOptions
        {
            VerifyClient = (_, _) => ValueTask.FromResult<HandshakeRejection?>(new HandshakeRejection(401)),
        };
        await using var server = await WebSocketServer.StartAsync(options, cancellationToken);
        await using var cli = CliProcess.Start("connect", server.Url.ToString());

        var exitCode = await cli.WaitForExitAsync(cancellationToken);

        Assert.That(cli.Stderr, Does.Contain("error: handshake rejected: HTTP 401"));
        Assert.That(exitCode, Is.EqualTo(1));
    }

    [Test, CancelAfter(30_000)]
    public async Task Connect_ProxyOption_ConnectsThroughTheProxy(CancellationToken cancellationToken)
    {
        await using var server = await WebSocketServer.StartAsync(new WebSocketServerOptions(), cancellationToken);
        using var probe = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        probe.Start();
        var deadProxy = $"http://127.0.0.1:{((System.Net.IPEndPoint)probe.LocalEndpoint).Port}";
        probe.Stop();   // nothing listens there now: a connection that uses the proxy is refused
        await using var cli = CliProcess.Start("connect", server.Url.ToString(), "--proxy", deadProxy);

        var exitCode = await cli.WaitForExitAsync(cancellationToken);

        Assert.That(cli.Stderr, Does.Contain("error: cannot connect").And.Contain("through the proxy 127.0.0.1:"));
        Assert.That(exitCode, Is.EqualTo(1));
    }

    [Test, CancelAfter(30_000)]
    public async Task Connect_ProxyNotHttp_IsAUsageError(CancellationToken cancellationToken)
    {
        await using var cli = CliProcess.Start("connect", "ws://127.0.0.1:1/", "--proxy", "socks5://127.0.0.1:1080");

        var exitCode = await cli.WaitForExitAsync(cancellationToken);

        Assert.That(cli.Stderr, Does.Contain("--proxy"));
        Assert.That(exitCode, Is.EqualTo(2));
    }

    private static byte[] Sequence(int length) => [.. Enumerable.Range(0, length).Select(i => (byte)i)];

    // Answers "echo: TEXT", except "binary please", answered with two binary messages; returns the client's close code.
    private static Task<CloseCode?> ServeAsync(WebSocketServer server, ConcurrentQueue<string> received, CancellationToken cancellationToken) =>
        Task.Run(async () =>
        {
            await foreach (var connection in server.AcceptAllAsync(cancellationToken))
            {
                received.Enqueue("header " + connection.Request?.GetHeader("X-Test"));
                await foreach (var message in connection.ReadAllAsync(cancellationToken))
                {
                    received.Enqueue(message.GetText());
                    if (message.GetText() == "binary please")
                    {
                        await connection.SendAsync(new byte[] { 1, 2, 255 }.AsMemory(), cancellationToken);
                        await connection.SendAsync(Sequence(40).AsMemory(), cancellationToken);
                    }
                    else
                    {
                        await connection.SendAsync("echo: " + message.GetText(), cancellationToken);
                    }
                }

                return connection.CloseStatus?.Code;
            }

            return null;
        }, cancellationToken);
}
