using System.Reactive.Linq;
using System.Reactive.Threading.Tasks;
using System.Text;
using System.Text.Json;
using RxSockets.Interop.Tests.Support;

namespace RxSockets.Interop.Tests;

/// <summary>The RxSockets client against servers we did not write: node <c>ws</c> and python <c>websockets</c>.</summary>
[TestFixture(PeerKind.Node)]
[TestFixture(PeerKind.Python)]
public class RxClientInteropTests(PeerKind kind)
{
    private const long MaxMessageSize = 64 * 1024 * 1024;

    private PeerProcess? _echoServer;

    /// <summary>One plain echo server per fixture serves the echo cases, so each case does not pay for a process start.</summary>
    [OneTimeSetUp]
    public async Task StartEchoServerAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        _echoServer = await PeerProcess.StartServerAsync(kind, [], timeout.Token);
    }

    [OneTimeTearDown]
    public async Task StopEchoServerAsync()
    {
        if (_echoServer is not null)
        {
            await _echoServer.DisposeAsync();
        }
    }

    private PeerProcess EchoServer => _echoServer ?? throw new InvalidOperationException("The echo server did not start.");

    [TestCaseSource(typeof(InteropScenarios), nameof(InteropScenarios.EchoCases))]
    [CancelAfter(30_000)]
    public async Task ReadAllAsync_EchoCase_ReturnsSameTypeAndBytes(EchoCase echoCase, CancellationToken cancellationToken)
    {
        await using var connection = await ConnectAsync(EchoServer.Uri, new WebSocketClientOptions(), cancellationToken);

        await connection.SendAsync(echoCase.ToMessage(), cancellationToken);
        var echo = await connection.ReadAllAsync(cancellationToken).FirstAsync(cancellationToken);

        Assert.That(echo.Type, Is.EqualTo(echoCase.Type), EchoServer.Describe());
        Assert.That(echo.Data.ToArray(), Is.EqualTo(echoCase.Payload.ToArray()), EchoServer.Describe());
        await connection.CloseAsync(CloseCode.NormalClosure, "done", cancellationToken);
    }

    [Test, CancelAfter(30_000)]
    public async Task Incoming_EveryEchoCaseInOneConnection_ReturnsThemInOrder(CancellationToken cancellationToken)
    {
        var cases = InteropScenarios.EchoCases;
        await using var connection = await ConnectAsync(EchoServer.Uri, new WebSocketClientOptions(), cancellationToken);
        var echoes = connection.Incoming.Take(cases.Count).ToList().ToTask(cancellationToken);

        foreach (var echoCase in cases)
        {
            await connection.SendAsync(echoCase.ToMessage(), cancellationToken);
        }

        var received = await echoes;

        Assert.That(received.Select(m => m.Type), Is.EqualTo(cases.Select(c => c.Type)), EchoServer.Describe());
        for (var i = 0; i < cases.Count; i++)
        {
            Assert.That(received[i].Data.ToArray(), Is.EqualTo(cases[i].Payload.ToArray()), cases[i].Name);
        }
    }

    [TestCase(1000, 65536)]
    [TestCase(3, 125)]
    [CancelAfter(30_000)]
    public async Task SendAsync_FragmentedMessages_AreEchoedWhole(int fragmentSize, int maxLength, CancellationToken cancellationToken)
    {
        // Fragment size 3 splits multi-byte UTF-8 characters across frames, which RFC 6455 §5.6 allows. The length cap
        // keeps every message within ws's default of 16,384 fragments per message.
        var cases = InteropScenarios.EchoCases.Where(c => c.Payload.Length <= maxLength).ToList();
        var options = new WebSocketClientOptions { FragmentSize = fragmentSize };
        await using var connection = await ConnectAsync(EchoServer.Uri, options, cancellationToken);
        var echoes = connection.Incoming.Take(cases.Count).ToList().ToTask(cancellationToken);

        foreach (var echoCase in cases)
        {
            await connection.SendAsync(echoCase.ToMessage(), cancellationToken);
        }

        var received = await echoes;

        Assert.That(received, Is.EqualTo(cases.Select(c => c.ToMessage())), EchoServer.Describe());
    }

    [Test, CancelAfter(30_000)]
    public async Task SendAsync_SixteenMebibytesInFragments_IsEchoedWhole(CancellationToken cancellationToken)
    {
        var payload = InteropScenarios.Payloads.Binary(InteropScenarios.Payloads.SixteenMebibytes);
        var options = new WebSocketClientOptions { FragmentSize = 64 * 1024 };
        await using var connection = await ConnectAsync(EchoServer.Uri, options, cancellationToken);

        await connection.SendAsync(payload.AsMemory(), cancellationToken);
        var echo = await connection.ReadAllAsync(cancellationToken).FirstAsync(cancellationToken);

        Assert.That(echo.IsBinary, Is.True);
        Assert.That(echo.Data.Span.SequenceEqual(payload), Is.True, $"echo of {echo.Data.Length} bytes differs");
    }

    [Test, CancelAfter(10_000)]
    public async Task PingAsync_WithPayload_PongCarriesPayloadAndReturnsRoundTrip(CancellationToken cancellationToken)
    {
        var payload = Encoding.UTF8.GetBytes(InteropScenarios.PingPayload);
        await using var connection = await ConnectAsync(EchoServer.Uri, new WebSocketClientOptions(), cancellationToken);
        var pong = connection.Pongs.Select(p => p.ToArray()).FirstAsync().ToTask(cancellationToken);

        var roundTrip = await connection.PingAsync(payload, cancellationToken);

        Assert.That(await pong, Is.EqualTo(payload));
        Assert.That(roundTrip, Is.GreaterThanOrEqualTo(TimeSpan.Zero));
    }

    [Test, CancelAfter(10_000)]
    public async Task Pings_ServerPingsOnConnect_IsAnsweredAutomatically(CancellationToken cancellationToken)
    {
        await using var server = await PeerProcess.StartServerAsync(kind, ["--ping", "are you there"], cancellationToken);

        await using var connection = await ConnectAsync(server.Uri, new WebSocketClientOptions(), cancellationToken);

        Assert.That(await server.WaitForLineStartingWithAsync("pong ", cancellationToken), Is.EqualTo("pong are you there"));
    }

    [Test, CancelAfter(10_000)]
    public async Task Pings_ServerPingsAfterFirstMessage_ShowsPayloadAndPeerGetsPong(CancellationToken cancellationToken)
    {
        await using var server = await PeerProcess.StartServerAsync(kind, ["--ping", "are you there", "--ping-after", "1"], cancellationToken);
        await using var connection = await ConnectAsync(server.Uri, new WebSocketClientOptions(), cancellationToken);
        var ping = connection.Pings.Select(p => Encoding.UTF8.GetString(p.Span)).FirstAsync().ToTask(cancellationToken);

        await connection.SendAsync("one", cancellationToken);

        Assert.That(await ping, Is.EqualTo("are you there"));
        Assert.That(await server.WaitForLineStartingWithAsync("pong ", cancellationToken), Is.EqualTo("pong are you there"));
    }

    [Test, CancelAfter(10_000)]
    public async Task KeepAlive_ShortInterval_PeerAnswersKeepAlivePing(CancellationToken cancellationToken)
    {
        var options = new WebSocketClientOptions { KeepAliveInterval = TimeSpan.FromMilliseconds(50) };
        await using var connection = await WebSocketConnection.ConnectAsync(EchoServer.Uri, options, cancellationToken);

        var pong = await connection.Pongs.FirstAsync().ToTask(cancellationToken);

        Assert.That(pong.Length, Is.Positive, "a keepalive ping carries a payload the connection chose");
        Assert.That(connection.State, Is.EqualTo(ConnectionState.Open));
    }

    [Test, CancelAfter(10_000)]
    public async Task Completion_PeerProcessKilled_FailsWithAbnormalClosure(CancellationToken cancellationToken)
    {
        var server = await PeerProcess.StartServerAsync(kind, [], cancellationToken);
        await using var connection = await ConnectAsync(server.Uri, new WebSocketClientOptions(), cancellationToken);
        await server.WaitForLineStartingWithAsync("open ", cancellationToken);

        await server.DisposeAsync();

        var error = await Assert.ThrowsAsync<ConnectionClosedException>(() => connection.Completion.WaitAsync(cancellationToken));
        Assert.That(error?.Code, Is.EqualTo(CloseCode.AbnormalClosure));
        Assert.That(connection.CloseStatus, Is.Null);
        Assert.That(connection.State, Is.EqualTo(ConnectionState.Closed));
    }

    [Test, CancelAfter(10_000)]
    public async Task CloseAsync_WithCodeAndReason_PeerReportsThemAndEchoesCode(CancellationToken cancellationToken)
    {
        var close = InteropScenarios.ClientClose;
        await using var server = await PeerProcess.StartServerAsync(kind, ["--once"], cancellationToken);
        await using var connection = await ConnectAsync(server.Uri, new WebSocketClientOptions(), cancellationToken);

        await connection.CloseAsync((CloseCode)close.Code, close.Reason, cancellationToken);

        Assert.That(await server.WaitForClosedAsync(cancellationToken), Is.EqualTo(close), server.Describe());
        Assert.That(connection.CloseStatus?.Code, Is.EqualTo((CloseCode)close.Code), "the server echoes the code");
        Assert.That(connection.Completion.IsCompletedSuccessfully, Is.True);
        Assert.That(connection.State, Is.EqualTo(ConnectionState.Closed));
        Assert.That(await server.WaitForExitAsync(cancellationToken), Is.Zero, server.Describe());
    }

    [Test, CancelAfter(10_000)]
    public async Task CloseAsync_MultiByteUtf8Reason_PeerDecodesIt(CancellationToken cancellationToken)
    {
        var close = new PeerClosure(1000, "fin \u2713 \u00e9t\u00e9 \U0001F680");
        await using var server = await PeerProcess.StartServerAsync(kind, ["--once"], cancellationToken);
        await using var connection = await ConnectAsync(server.Uri, new WebSocketClientOptions(), cancellationToken);

        await connection.CloseAsync((CloseCode)close.Code, close.Reason, cancellationToken);

        Assert.That(await server.WaitForClosedAsync(cancellationToken), Is.EqualTo(close), server.Describe());
    }

    [Test, CancelAfter(10_000)]
    public async Task Completion_ServerClosesAfterTwoMessages_SucceedsWithServerCodeAndReason(CancellationToken cancellationToken)
    {
        var close = InteropScenarios.ServerClose;
        await using var server = await PeerProcess.StartServerAsync(
            kind, ["--once", "--close-after", "2", "--close-code", $"{close.Code}", "--close-reason", close.Reason], cancellationToken);
        await using var connection = await ConnectAsync(server.Uri, new WebSocketClientOptions(), cancellationToken);

        await connection.SendAsync("one", cancellationToken);
        await connection.SendAsync("two", cancellationToken);
        var received = new List<string>();
        await foreach (var message in connection.ReadAllAsync(cancellationToken))
        {
            received.Add(message.GetText());
        }

        await connection.Completion.WaitAsync(cancellationToken);
        Assert.That(received, Is.EqualTo(new[] { "one", "two" }));
        Assert.That(connection.CloseStatus, Is.EqualTo(new CloseStatus((CloseCode)close.Code, close.Reason)));
        Assert.That((await server.WaitForClosedAsync(cancellationToken)).Code, Is.EqualTo(close.Code), "we echo the code");
        Assert.That(await server.WaitForExitAsync(cancellationToken), Is.Zero, server.Describe());
    }

    [Test, CancelAfter(10_000)]
    public async Task CloseAsync_WhileServerAlsoCloses_BothEndsFinishCleanly(CancellationToken cancellationToken)
    {
        var server = InteropScenarios.ServerClose;
        var client = InteropScenarios.ClientClose;
        await using var peer = await PeerProcess.StartServerAsync(
            kind, ["--once", "--close-after", "1", "--close-code", $"{server.Code}", "--close-reason", server.Reason], cancellationToken);
        await using var connection = await ConnectAsync(peer.Uri, new WebSocketClientOptions(), cancellationToken);

        await connection.SendAsync("one", cancellationToken);
        await connection.CloseAsync((CloseCode)client.Code, client.Reason, cancellationToken);

        // Which close frame each end reads first depends on timing; either way the handshake completes cleanly.
        Assert.That(connection.CloseStatus?.Code, Is.AnyOf((CloseCode)server.Code, (CloseCode)client.Code));
        Assert.That((await peer.WaitForClosedAsync(cancellationToken)).Code, Is.AnyOf(server.Code, client.Code), peer.Describe());
        Assert.That(await peer.WaitForExitAsync(cancellationToken), Is.Zero, peer.Describe());
    }

    [Test, CancelAfter(10_000)]
    public async Task ConnectAsync_PathAndQuery_ReachServerUnchanged(CancellationToken cancellationToken)
    {
        await using var server = await PeerProcess.StartServerAsync(kind, [], cancellationToken);

        await using var connection = await ConnectAsync(new Uri(server.Uri, "/chat/room?name=a%20b&x=1"), new WebSocketClientOptions(), cancellationToken);

        Assert.That(await server.WaitForLineStartingWithAsync("open ", cancellationToken), Is.EqualTo("open /chat/room?name=a%20b&x=1 -"));
        Assert.That(connection.Url.PathAndQuery, Is.EqualTo("/chat/room?name=a%20b&x=1"));
    }

    [Test, CancelAfter(10_000)]
    public async Task Incoming_EchoLargerThanMaxMessageSize_ClosesWithMessageTooBig(CancellationToken cancellationToken)
    {
        await using var server = await PeerProcess.StartServerAsync(kind, ["--once"], cancellationToken);
        var options = new WebSocketClientOptions { KeepAliveInterval = Timeout.InfiniteTimeSpan };   // MaxMessageSize stays 1 MiB
        await using var connection = await WebSocketConnection.ConnectAsync(server.Uri, options, cancellationToken);

        await connection.SendAsync(InteropScenarios.Payloads.Binary(2 * 1024 * 1024).AsMemory(), cancellationToken);

        var error = await Assert.ThrowsAsync<ConnectionClosedException>(() => connection.Completion.WaitAsync(cancellationToken));
        Assert.That(error?.Sent?.Code, Is.EqualTo(CloseCode.MessageTooBig));
        Assert.That(error?.InnerException, Is.InstanceOf<ProtocolException>());
        Assert.That((await server.WaitForClosedAsync(cancellationToken)).Code, Is.EqualTo((int)CloseCode.MessageTooBig), server.Describe());
    }

    [Test, CancelAfter(10_000)]
    public async Task SubProtocol_OfferedAndSupported_IsNegotiated(CancellationToken cancellationToken)
    {
        await using var server = await PeerProcess.StartServerAsync(kind, ["--protocols", "chat,superchat"], cancellationToken);
        var options = new WebSocketClientOptions { SubProtocols = { "superchat", "chat" } };

        await using var connection = await ConnectAsync(server.Uri, options, cancellationToken);

        Assert.That(connection.SubProtocol, Is.EqualTo("superchat"));
        Assert.That(await server.WaitForLineStartingWithAsync("open ", cancellationToken), Is.EqualTo("open / superchat"));
    }

    [Test, CancelAfter(10_000)]
    public async Task SubProtocol_NoneSupported_IsNull(CancellationToken cancellationToken)
    {
        await using var server = await PeerProcess.StartServerAsync(kind, ["--protocols", "chat"], cancellationToken);
        var options = new WebSocketClientOptions { SubProtocols = { "other" } };

        await using var connection = await ConnectAsync(server.Uri, options, cancellationToken);

        Assert.That(connection.SubProtocol, Is.Null);
        Assert.That(await server.WaitForLineStartingWithAsync("open ", cancellationToken), Is.EqualTo("open / -"));
    }

    [Test, CancelAfter(10_000)]
    public async Task Headers_CustomHeader_IsSeenByServer(CancellationToken cancellationToken)
    {
        await using var server = await PeerProcess.StartServerAsync(kind, ["--report-headers"], cancellationToken);
        var options = new WebSocketClientOptions { Headers = { ["X-RxSockets-Test"] = "forty two" } };
        await using var connection = await ConnectAsync(server.Uri, options, cancellationToken);

        var report = await connection.ReadAllAsync(cancellationToken).FirstAsync(cancellationToken);

        var headers = JsonSerializer.Deserialize<Dictionary<string, string>>(report.Data.Span);
        Assert.That(headers, Does.ContainKey("x-rxsockets-test").WithValue("forty two"));
    }

    [Test, CancelAfter(10_000)]
    public async Task ConnectAsync_RequiredHeaderPresent_Succeeds(CancellationToken cancellationToken)
    {
        await using var server = await PeerProcess.StartServerAsync(kind, ["--require-header", "X-Api-Key", "--reject-status", "401"], cancellationToken);
        var options = new WebSocketClientOptions { Headers = { ["X-Api-Key"] = "secret" } };

        await using var connection = await ConnectAsync(server.Uri, options, cancellationToken);

        Assert.That(connection.State, Is.EqualTo(ConnectionState.Open));
    }

    [TestCase(401, false)]
    [TestCase(503, true)]
    [CancelAfter(10_000)]
    public async Task ConnectAsync_ServerRejects_ThrowsHandshakeExceptionWithStatus(int status, bool transient, CancellationToken cancellationToken)
    {
        await using var server = await PeerProcess.StartServerAsync(kind, ["--require-header", "X-Api-Key", "--reject-status", $"{status}"], cancellationToken);

        var error = await Assert.ThrowsAsync<HandshakeException>(async () => await ConnectAsync(server.Uri, new WebSocketClientOptions(), cancellationToken));

        Assert.That(error?.StatusCode, Is.EqualTo(status), server.Describe());
        Assert.That(error?.IsTransient, Is.EqualTo(transient));
        Assert.That(error?.Body, Does.Contain("missing header").IgnoreCase);
        Assert.That(await server.WaitForLineStartingWithAsync("rejected ", cancellationToken), Is.EqualTo($"rejected {status} missing-header x-api-key"));
    }

    private static ValueTask<WebSocketConnection> ConnectAsync(Uri uri, WebSocketClientOptions options, CancellationToken cancellationToken)
    {
        options.MaxMessageSize = MaxMessageSize;
        options.KeepAliveInterval = Timeout.InfiniteTimeSpan;
        return WebSocketConnection.ConnectAsync(uri, options, cancellationToken);
    }
}
