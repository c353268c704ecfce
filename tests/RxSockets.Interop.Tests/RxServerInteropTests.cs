using System.Reactive.Linq;
using System.Reactive.Threading.Tasks;
using System.Text;
using RxSockets.Interop.Tests.Support;

namespace RxSockets.Interop.Tests;

/// <summary>Clients we did not write (node <c>ws</c>, python <c>websockets</c>) against the RxSockets server.</summary>
[TestFixture(PeerKind.Node)]
[TestFixture(PeerKind.Python)]
public class RxServerInteropTests(PeerKind kind)
{
    private const long MaxMessageSize = 64 * 1024 * 1024;

    [Test, CancelAfter(30_000)]
    public async Task Script_AgainstEchoLoop_PrintsOkAndClosesCleanly(CancellationToken cancellationToken)
    {
        var close = InteropScenarios.ClientClose;
        await using var server = await StartServerAsync(new WebSocketServerOptions(), cancellationToken);
        var accepted = server.Connections.FirstAsync().ToTask(cancellationToken);
        await using var client = await PeerProcess.StartClientAsync(
            kind, server.Url, ["--mode", "script", "--close-code", $"{close.Code}", "--close-reason", close.Reason], cancellationToken);
        await using var connection = await accepted;
        var ping = connection.Pings.Select(p => Encoding.UTF8.GetString(p.Span)).FirstAsync().ToTask(cancellationToken);

        await EchoAsync(connection, cancellationToken);

        Assert.That(await client.WaitForExitAsync(cancellationToken), Is.Zero, client.Describe());
        Assert.That(client.StandardOutput, Does.Contain("ok"), client.Describe());
        Assert.That(PeerClosure.Parse(client.StandardOutput.Single(l => l.StartsWith(PeerClosure.LinePrefix, StringComparison.Ordinal))).Code,
            Is.EqualTo(close.Code), "we echo the code");
        Assert.That(await ping, Is.EqualTo(InteropScenarios.PingPayload));
        Assert.That(connection.CloseStatus, Is.EqualTo(new CloseStatus((CloseCode)close.Code, close.Reason)));
        Assert.That(connection.Completion.IsCompletedSuccessfully, Is.True);
    }

    [Test, CancelAfter(30_000)]
    public async Task Script_ClientOffersPerMessageDeflate_ServerDeclinesAndScriptPasses(CancellationToken cancellationToken)
    {
        await using var server = await StartServerAsync(new WebSocketServerOptions(), cancellationToken);
        await using var client = await PeerProcess.StartClientAsync(kind, server.Url, ["--mode", "script", "--offer-deflate"], cancellationToken);
        await using var connection = await AcceptAsync(server, cancellationToken);

        await EchoAsync(connection, cancellationToken);

        Assert.That(connection.Request?.Extensions, Does.Contain("permessage-deflate"), "the offer reached the server");
        Assert.That(connection.Extensions, Is.Empty);
        Assert.That(await client.WaitForExitAsync(cancellationToken), Is.Zero, client.Describe());
        Assert.That(client.StandardOutput, Does.Contain("ok"), client.Describe());
    }

    [Test, CancelAfter(30_000)]
    public async Task SendAsync_EveryEchoCase_PeerEchoesSameTypeAndBytes(CancellationToken cancellationToken)
    {
        await using var server = await StartServerAsync(new WebSocketServerOptions(), cancellationToken);
        await using var client = await PeerProcess.StartClientAsync(kind, server.Url, ["--mode", "echo"], cancellationToken);
        await using var connection = await AcceptAsync(server, cancellationToken);
        var received = new List<Message>();

        foreach (var echoCase in InteropScenarios.EchoCases)
        {
            await connection.SendAsync(echoCase.ToMessage(), cancellationToken);
            received.Add(await connection.ReadAllAsync(cancellationToken).FirstAsync(cancellationToken));
        }

        for (var i = 0; i < received.Count; i++)
        {
            var expected = InteropScenarios.EchoCases[i];
            Assert.That(received[i].Type, Is.EqualTo(expected.Type), expected.Name);
            Assert.That(received[i].Data.Span.SequenceEqual(expected.Payload.Span), Is.True, $"{expected.Name}: the echo's bytes differ");
        }
    }

    [Test, CancelAfter(30_000)]
    public async Task Script_MessageOverMaxMessageSize_PeerSeesMessageTooBig(CancellationToken cancellationToken)
    {
        var options = new WebSocketServerOptions { KeepAliveInterval = Timeout.InfiniteTimeSpan };   // MaxMessageSize stays 1 MiB
        await using var server = await WebSocketServer.StartAsync(options, cancellationToken);
        await using var client = await PeerProcess.StartClientAsync(kind, server.Url, ["--mode", "script"], cancellationToken);
        await using var connection = await AcceptAsync(server, cancellationToken);

        var echoing = EchoAsync(connection, cancellationToken);

        var error = await Assert.ThrowsAsync<ConnectionClosedException>(() => echoing);
        Assert.That(error?.Sent?.Code, Is.EqualTo(CloseCode.MessageTooBig));
        Assert.That(await client.WaitForLineStartingWithAsync("fail ", cancellationToken),
            Is.EqualTo($"fail binary-16MiB: expected echo, got close {(int)CloseCode.MessageTooBig}"), client.Describe());
    }

    [Test, CancelAfter(10_000)]
    public async Task CloseAsync_WithCodeAndReason_PeerReportsThemAndEchoesCode(CancellationToken cancellationToken)
    {
        var close = InteropScenarios.ServerClose;
        await using var server = await StartServerAsync(new WebSocketServerOptions(), cancellationToken);
        await using var client = await PeerProcess.StartClientAsync(kind, server.Url, ["--mode", "echo"], cancellationToken);
        await using var connection = await AcceptAsync(server, cancellationToken);
        await connection.SendAsync("one", cancellationToken);
        var echo = await connection.ReadAllAsync(cancellationToken).FirstAsync(cancellationToken);

        await connection.CloseAsync((CloseCode)close.Code, close.Reason, cancellationToken);

        Assert.That(echo.GetText(), Is.EqualTo("one"));
        Assert.That(await client.WaitForClosedAsync(cancellationToken), Is.EqualTo(close), client.Describe());
        Assert.That(await client.WaitForExitAsync(cancellationToken), Is.Zero, client.Describe());
        Assert.That(connection.CloseStatus?.Code, Is.EqualTo((CloseCode)close.Code), "the peer echoes the code");
        Assert.That(connection.Completion.IsCompletedSuccessfully, Is.True);
    }

    [Test, CancelAfter(10_000)]
    public async Task Completion_PeerProcessKilled_FailsWithAbnormalClosure(CancellationToken cancellationToken)
    {
        await using var server = await StartServerAsync(new WebSocketServerOptions(), cancellationToken);
        var client = await PeerProcess.StartClientAsync(kind, server.Url, ["--mode", "echo"], cancellationToken);
        await using var connection = await AcceptAsync(server, cancellationToken);
        await client.WaitForLineStartingWithAsync("open ", cancellationToken);

        await client.DisposeAsync();

        var error = await Assert.ThrowsAsync<ConnectionClosedException>(() => connection.Completion.WaitAsync(cancellationToken));
        Assert.That(error?.Code, Is.EqualTo(CloseCode.AbnormalClosure));
        Assert.That(connection.CloseStatus, Is.Null);
    }

    [Test, CancelAfter(10_000)]
    public async Task PingAsync_WithPayload_PeerAnswersWithSamePayload(CancellationToken cancellationToken)
    {
        var payload = Encoding.UTF8.GetBytes(InteropScenarios.PingPayload);
        await using var server = await StartServerAsync(new WebSocketServerOptions(), cancellationToken);
        await using var client = await PeerProcess.StartClientAsync(kind, server.Url, ["--mode", "echo"], cancellationToken);
        await using var connection = await AcceptAsync(server, cancellationToken);
        var pong = connection.Pongs.Select(p => p.ToArray()).FirstAsync().ToTask(cancellationToken);

        var roundTrip = await connection.PingAsync(payload, cancellationToken);

        Assert.That(await pong, Is.EqualTo(payload));
        Assert.That(roundTrip, Is.GreaterThanOrEqualTo(TimeSpan.Zero));
    }

    [Test, CancelAfter(10_000)]
    public async Task SubProtocols_ClientOffersSeveral_ServerSelectsClientsFirstSupported(CancellationToken cancellationToken)
    {
        var options = new WebSocketServerOptions { SubProtocols = { "chat", "superchat" } };
        await using var server = await StartServerAsync(options, cancellationToken);
        await using var client = await PeerProcess.StartClientAsync(
            kind, server.Url, ["--protocol", "superchat", "--protocol", "chat"], cancellationToken);

        await using var connection = await AcceptAsync(server, cancellationToken);

        Assert.That(connection.SubProtocol, Is.EqualTo("superchat"));
        Assert.That(connection.Request?.SubProtocols, Is.EqualTo(new[] { "superchat", "chat" }));
        Assert.That(await client.WaitForLineStartingWithAsync("open ", cancellationToken), Is.EqualTo("open superchat"));
    }

    [Test, CancelAfter(10_000)]
    public async Task Request_CustomHeader_IsVisible(CancellationToken cancellationToken)
    {
        await using var server = await StartServerAsync(new WebSocketServerOptions(), cancellationToken);
        await using var client = await PeerProcess.StartClientAsync(kind, server.Url, ["--header", "X-RxSockets-Test: forty two"], cancellationToken);

        await using var connection = await AcceptAsync(server, cancellationToken);

        Assert.That(connection.Request?.GetHeader("X-RxSockets-Test"), Is.EqualTo("forty two"));
        Assert.That(await client.WaitForLineStartingWithAsync("open ", cancellationToken), Is.EqualTo("open -"));
    }

    [Test, CancelAfter(10_000)]
    public async Task Request_PathAndQuery_AreVisible(CancellationToken cancellationToken)
    {
        await using var server = await StartServerAsync(new WebSocketServerOptions { Path = "/chat" }, cancellationToken);
        await using var client = await PeerProcess.StartClientAsync(kind, new Uri(server.Url, "/chat?room=a%20b&x=1"), [], cancellationToken);

        await using var connection = await AcceptAsync(server, cancellationToken);

        Assert.That(connection.Request?.Path, Is.EqualTo("/chat"));
        Assert.That(connection.Request?.GetQueryValue("room"), Is.EqualTo("a b"));
        Assert.That(connection.Request?.GetQueryValue("x"), Is.EqualTo("1"));
    }

    [Test, CancelAfter(10_000)]
    public async Task Path_OtherThanServed_PeerSeesNotFound(CancellationToken cancellationToken)
    {
        await using var server = await StartServerAsync(new WebSocketServerOptions { Path = "/chat" }, cancellationToken);

        await using var client = await PeerProcess.StartClientAsync(kind, new Uri(server.Url, "/other"), [], cancellationToken);

        Assert.That(await client.WaitForLineStartingWithAsync("fail ", cancellationToken), Is.EqualTo("fail handshake status 404"), client.Describe());
    }

    [Test, CancelAfter(10_000)]
    public async Task VerifyClient_Rejects_PeerSeesHandshakeStatus(CancellationToken cancellationToken)
    {
        var options = new WebSocketServerOptions
        {
            VerifyClient = (request, _) => ValueTask.FromResult<HandshakeRejection?>(
                request.GetHeader("X-Api-Key") is null ? new HandshakeRejection(403) : null),
        };
        await using var server = await StartServerAsync(options, cancellationToken);

        await using var client = await PeerProcess.StartClientAsync(kind, server.Url, ["--mode", "echo"], cancellationToken);

        Assert.That(await client.WaitForLineStartingWithAsync("fail ", cancellationToken), Is.EqualTo("fail handshake status 403"), client.Describe());
        Assert.That(await client.WaitForExitAsync(cancellationToken), Is.Not.Zero);
        Assert.That(server.ClientCount, Is.Zero);
    }

    [Test, CancelAfter(10_000)]
    public async Task MaxConnections_Reached_NextPeerSeesServiceUnavailable(CancellationToken cancellationToken)
    {
        await using var server = await StartServerAsync(new WebSocketServerOptions { MaxConnections = 1 }, cancellationToken);
        await using var first = await PeerProcess.StartClientAsync(kind, server.Url, ["--mode", "echo"], cancellationToken);
        await using var connection = await AcceptAsync(server, cancellationToken);

        await using var second = await PeerProcess.StartClientAsync(kind, server.Url, ["--mode", "echo"], cancellationToken);

        Assert.That(await second.WaitForLineStartingWithAsync("fail ", cancellationToken), Is.EqualTo("fail handshake status 503"), second.Describe());
        Assert.That(server.ClientCount, Is.EqualTo(1));
    }

    [Test, CancelAfter(30_000)]
    public async Task BroadcastAsync_TwoPeers_EachEchoesTheMessage(CancellationToken cancellationToken)
    {
        var payload = InteropScenarios.Payloads.Binary(65536);
        await using var server = await StartServerAsync(new WebSocketServerOptions(), cancellationToken);
        await using var firstPeer = await PeerProcess.StartClientAsync(kind, server.Url, ["--mode", "echo"], cancellationToken);
        await using var first = await AcceptAsync(server, cancellationToken);
        await using var secondPeer = await PeerProcess.StartClientAsync(kind, server.Url, ["--mode", "echo"], cancellationToken);
        await using var second = await AcceptAsync(server, cancellationToken);

        var delivered = await server.BroadcastAsync(Message.Binary(payload), cancellationToken: cancellationToken);
        var echoes = await Task.WhenAll(
            first.ReadAllAsync(cancellationToken).FirstAsync(cancellationToken).AsTask(),
            second.ReadAllAsync(cancellationToken).FirstAsync(cancellationToken).AsTask());

        Assert.That(delivered, Is.EqualTo(2));
        Assert.That(echoes.Select(e => e.Data.ToArray()), Is.All.EqualTo(payload));
    }

    [Test, CancelAfter(10_000)]
    public async Task StopAsync_WithConnectedPeer_PeerSeesGoingAway(CancellationToken cancellationToken)
    {
        await using var server = await StartServerAsync(new WebSocketServerOptions(), cancellationToken);
        await using var client = await PeerProcess.StartClientAsync(kind, server.Url, ["--mode", "echo"], cancellationToken);
        var connection = await AcceptAsync(server, cancellationToken);
        await client.WaitForLineStartingWithAsync("open ", cancellationToken);

        await server.StopAsync(cancellationToken);

        Assert.That((await client.WaitForClosedAsync(cancellationToken)).Code, Is.EqualTo((int)CloseCode.GoingAway), client.Describe());
        Assert.That(await client.WaitForExitAsync(cancellationToken), Is.Zero, client.Describe());
        Assert.That(connection.CloseStatus?.Code, Is.EqualTo(CloseCode.GoingAway), "the peer echoes the code");
        Assert.That(connection.State, Is.EqualTo(ConnectionState.Closed));
    }

    private static ValueTask<WebSocketServer> StartServerAsync(WebSocketServerOptions options, CancellationToken cancellationToken)
    {
        options.MaxMessageSize = MaxMessageSize;
        options.KeepAliveInterval = Timeout.InfiniteTimeSpan;
        return WebSocketServer.StartAsync(options, cancellationToken);
    }

    private static async Task<WebSocketConnection> AcceptAsync(WebSocketServer server, CancellationToken cancellationToken)
    {
        await foreach (var connection in server.AcceptAllAsync(cancellationToken))
        {
            return connection;
        }

        throw new AssertionException("The server stopped before a client connected.");
    }

    /// <summary>Echoes every message with its type until the connection ends; throws when it ends abnormally.</summary>
    private static async Task EchoAsync(WebSocketConnection connection, CancellationToken cancellationToken)
    {
        await foreach (var message in connection.ReadAllAsync(cancellationToken))
        {
            await connection.SendAsync(message, cancellationToken);
        }
    }
}
