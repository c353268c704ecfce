using System.Security.Cryptography.X509Certificates;
using System.Text;
using RxSockets.Interop.Tests.Support;
using RxSockets.Tests.Support;

namespace RxSockets.Interop.Tests.Browser;

/// <summary>Headless Chromium's own WebSocket (Debian's <c>chromium</c>, driven over the DevTools protocol) against
/// our server: echo of both opcodes, large messages with and without permessage-deflate, close codes both ways,
/// subprotocol selection, wss with a self-signed certificate, and a page served as a data: URL.</summary>
public class BrowserInteropTests
{
    private const int LargeMessage = 1024 * 1024;

    private HeadlessBrowser _browser = null!;
    private X509Certificate2 _certificate = null!;

    [OneTimeSetUp]
    public async Task LaunchBrowser()
    {
        _certificate = TestCertificates.Create();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        // One browser for the fixture; each test opens its own tab. Only the wss test needs the certificate switch,
        // and it does not change how Chromium speaks plain ws://. A data: URL page counts as a public origin, and
        // Chromium's Local Network Access checks block its requests to 127.0.0.1 (ERR_BLOCKED_BY_LOCAL_NETWORK_ACCESS_CHECKS)
        // unless a user grants a permission prompt, which headless cannot show; a page served from loopback needs no switch.
        _browser = await HeadlessBrowser.LaunchAsync(["--ignore-certificate-errors", "--disable-features=LocalNetworkAccessChecks"], timeout.Token);
    }

    [OneTimeTearDown]
    public async Task CloseBrowser()
    {
        await _browser.DisposeAsync();
        _certificate.Dispose();
    }

    [Test, CancelAfter(30_000)]
    public async Task Chromium_TextMessages_EchoedByRxServer(CancellationToken cancellationToken)
    {
        await using var server = await WebSocketServer.StartAsync(Options(), cancellationToken);
        var (socket, connection, received, echo) = await ConnectAsync(server, [], cancellationToken);
        string[] sent = ["hello", string.Empty, "h\u00e9llo w\u00f6rld \u2713 \U0001F680"];

        var echoes = new List<BrowserMessage?>();
        foreach (var text in sent)
        {
            await socket.SendTextAsync(text, cancellationToken);
            echoes.Add(await socket.ReceiveAsync(cancellationToken));
        }

        await socket.CloseAsync(1000, "done", cancellationToken);
        await echo;

        Assert.That(received.Select(m => m.Type), Is.All.EqualTo(MessageType.Text));
        Assert.That(received.Select(m => m.GetText()), Is.EqualTo(sent));
        Assert.That(echoes.Select(m => m?.Type), Is.All.EqualTo("text"));
        Assert.That(echoes.Select(m => m?.Text), Is.EqualTo(sent));
        Assert.That(connection.CloseStatus?.Code, Is.EqualTo(CloseCode.NormalClosure));
    }

    [Test, CancelAfter(30_000)]
    public async Task Chromium_BinaryArrayBuffers_EchoedByRxServer(CancellationToken cancellationToken)
    {
        await using var server = await WebSocketServer.StartAsync(Options(), cancellationToken);
        var (socket, _, received, echo) = await ConnectAsync(server, [], cancellationToken);
        byte[][] sent = [[], InteropScenarios.Payloads.Binary(125), InteropScenarios.Payloads.Binary(126), InteropScenarios.Payloads.Binary(65536)];

        var echoes = new List<BrowserMessage?>();
        foreach (var bytes in sent)
        {
            await socket.SendBinaryAsync(bytes, cancellationToken);
            echoes.Add(await socket.ReceiveAsync(cancellationToken));
        }

        await socket.CloseAsync(1000, "done", cancellationToken);
        await echo;

        Assert.That(received.Select(m => m.Type), Is.All.EqualTo(MessageType.Binary));
        Assert.That(received.Select(m => m.Data.ToArray()), Is.EqualTo(sent));
        Assert.That(echoes.Select(m => m?.Type), Is.All.EqualTo("binary"));
        Assert.That(echoes.Select(m => m?.Bytes), Is.EqualTo(sent));
    }

    [TestCase(true)]
    [TestCase(false)]
    [CancelAfter(60_000)]
    public async Task Chromium_LargeMessages_EchoedIntactWithAndWithoutDeflate(bool deflate, CancellationToken cancellationToken)
    {
        var options = Options();
        options.MaxMessageSize = 4 * LargeMessage;
        if (deflate)
        {
            options.PerMessageDeflate = new PerMessageDeflateOptions();
        }

        await using var server = await WebSocketServer.StartAsync(options, cancellationToken);
        var (socket, connection, received, echo) = await ConnectAsync(server, [], cancellationToken);

        var textEcho = await socket.EchoGeneratedAsync(MessageType.Text, LargeMessage, cancellationToken);
        var binaryEcho = await socket.EchoGeneratedAsync(MessageType.Binary, LargeMessage, cancellationToken);
        await socket.CloseAsync(1000, "done", cancellationToken);
        await echo;

        Assert.That(textEcho, Is.EqualTo(new BrowserEcho("text", LargeMessage, true)));
        Assert.That(binaryEcho, Is.EqualTo(new BrowserEcho("binary", LargeMessage, true)));
        Assert.That(received.Select(m => m.Type), Is.EqualTo(new[] { MessageType.Text, MessageType.Binary }));
        Assert.That(received[0].Data.ToArray(), Is.EqualTo(InteropScenarios.Payloads.Text(LargeMessage)));
        Assert.That(received[1].Data.ToArray(), Is.EqualTo(InteropScenarios.Payloads.Binary(LargeMessage)));
        if (deflate)
        {
            // Chromium offers "permessage-deflate; client_max_window_bits"; we accept with default parameters.
            Assert.That(connection.Extensions, Does.StartWith("permessage-deflate"));
            Assert.That(socket.Opened.Extensions, Is.EqualTo(connection.Extensions));
        }
        else
        {
            Assert.That(connection.Extensions, Is.Empty);
            Assert.That(socket.Opened.Extensions, Is.Empty);
        }
    }

    [Test, CancelAfter(30_000)]
    public async Task RxServerClose_4000Bye_ChromiumOnCloseSeesCodeAndReason(CancellationToken cancellationToken)
    {
        await using var server = await WebSocketServer.StartAsync(Options(), cancellationToken);
        var (socket, connection, _, echo) = await ConnectAsync(server, [], cancellationToken);

        await connection.CloseAsync((CloseCode)4000, "bye", cancellationToken);
        var closed = await socket.WaitForCloseAsync(cancellationToken);
        await echo;

        Assert.That(closed, Is.EqualTo(new BrowserClosed(4000, "bye", true)));
        Assert.That(connection.CloseStatus?.Code, Is.EqualTo((CloseCode)4000), "Chromium echoes the close code");
    }

    [Test, CancelAfter(30_000)]
    public async Task ChromiumClose_4001_RxServerSeesCodeAndReason(CancellationToken cancellationToken)
    {
        await using var server = await WebSocketServer.StartAsync(Options(), cancellationToken);
        var (socket, connection, _, echo) = await ConnectAsync(server, [], cancellationToken);

        await socket.CloseAsync(4001, "browser says bye", cancellationToken);
        await echo;
        var closed = await socket.WaitForCloseAsync(cancellationToken);

        Assert.That(connection.CloseStatus, Is.EqualTo(new CloseStatus((CloseCode)4001, "browser says bye")));
        Assert.That(closed.Code, Is.EqualTo(4001));
        Assert.That(closed.WasClean, Is.True);
    }

    [Test, CancelAfter(30_000)]
    public async Task Chromium_OffersTwoSubProtocols_RxServerSelectsTheSupportedOne(CancellationToken cancellationToken)
    {
        var options = Options();
        options.SubProtocols.Add("chat.v2");
        await using var server = await WebSocketServer.StartAsync(options, cancellationToken);

        var (socket, connection, _, echo) = await ConnectAsync(server, ["chat.v1", "chat.v2"], cancellationToken);
        await socket.CloseAsync(1000, "done", cancellationToken);
        await echo;

        Assert.That(connection.SubProtocol, Is.EqualTo("chat.v2"));
        Assert.That(socket.Opened.Protocol, Is.EqualTo("chat.v2"));
        Assert.That(connection.Request?.SubProtocols, Is.EqualTo(new[] { "chat.v1", "chat.v2" }));
    }

    [Test, CancelAfter(30_000)]
    public async Task Chromium_WssWithSelfSignedCertificate_EchoesOverTls(CancellationToken cancellationToken)
    {
        var options = Options();
        options.Certificate = _certificate;
        await using var server = await WebSocketServer.StartAsync(options, cancellationToken);
        var (socket, _, received, echo) = await ConnectAsync(server, [], cancellationToken);

        await socket.SendTextAsync("over tls", cancellationToken);
        var reply = await socket.ReceiveAsync(cancellationToken);
        await socket.CloseAsync(1000, "done", cancellationToken);
        await echo;

        Assert.That(server.Url.Scheme, Is.EqualTo("wss"));
        Assert.That(reply?.Text, Is.EqualTo("over tls"));
        Assert.That(received.Select(m => m.GetText()), Is.EqualTo(new[] { "over tls" }));
    }

    [Test, CancelAfter(30_000)]
    public async Task DataUrlPage_OpensWebSocket_ConsoleShowsRxServerReply(CancellationToken cancellationToken)
    {
        await using var server = await WebSocketServer.StartAsync(Options(), cancellationToken);
        var accepted = server.AcceptAllAsync(cancellationToken).FirstAsync(cancellationToken).AsTask();
        var html = $$"""
            <script>
              const ws = new WebSocket({{System.Text.Json.JsonSerializer.Serialize(server.Url.AbsoluteUri)}});
              ws.onopen = () => ws.send('from a page');
              ws.onmessage = e => { console.log('reply', e.data); ws.close(1000); };
            </script>
            """;
        var page = await _browser.OpenPageAsync(cancellationToken);

        await page.NavigateAsync(new Uri("data:text/html;base64," + Convert.ToBase64String(Encoding.UTF8.GetBytes(html))), cancellationToken);
        await using var connection = await accepted;
        var message = await connection.ReadAllAsync(cancellationToken).FirstAsync(cancellationToken);
        await connection.SendAsync("server reply", cancellationToken);
        var line = await page.WaitForConsoleLineAsync(l => l.StartsWith("reply", StringComparison.Ordinal), cancellationToken);

        Assert.That(message.GetText(), Is.EqualTo("from a page"));
        Assert.That(line, Is.EqualTo("reply server reply"));
    }

    private static WebSocketServerOptions Options() => new() { Host = "127.0.0.1", Port = 0, KeepAliveInterval = Timeout.InfiniteTimeSpan };

    private static async Task EchoAsync(WebSocketConnection connection, List<Message> received, CancellationToken cancellationToken)
    {
        await foreach (var message in connection.ReadAllAsync(cancellationToken))
        {
            received.Add(message);
            await connection.SendAsync(message, cancellationToken);
        }
    }

    private async Task<(BrowserWebSocket Socket, WebSocketConnection Connection, List<Message> Received, Task Echo)> ConnectAsync(
        WebSocketServer server, IReadOnlyList<string> protocols, CancellationToken cancellationToken)
    {
        var accepted = server.AcceptAllAsync(cancellationToken).FirstAsync(cancellationToken).AsTask();
        var page = await _browser.OpenPageAsync(cancellationToken);
        var socket = await BrowserWebSocket.OpenAsync(page, server.Url, protocols, cancellationToken);
        var connection = await accepted;
        var received = new List<Message>();
        return (socket, connection, received, EchoAsync(connection, received, cancellationToken));
    }
}
