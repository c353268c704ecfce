using System.Net;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using RxSockets.Interop.Tests.Support;

namespace RxSockets.Interop.Tests.Harness;

/// <summary>
/// Scaffolding: proves the server peers and <see cref="PeerProcess"/> with the BCL <see cref="ClientWebSocket"/>
/// until the RxSockets client can take its place in these scenarios.
/// </summary>
[TestFixture(PeerKind.Node)]
[TestFixture(PeerKind.Python)]
public class ServerPeerHarnessTests(PeerKind kind)
{
    [TestCaseSource(typeof(InteropScenarios), nameof(InteropScenarios.EchoCases))]
    [CancelAfter(30_000)]
    public async Task Echo_ScenarioMessage_ReturnsSameTypeAndBytes(EchoCase echoCase, CancellationToken cancellationToken)
    {
        await using var server = await PeerProcess.StartServerAsync(kind, ["--once"], cancellationToken);
        using var client = NewClient();
        await client.ConnectAsync(server.Uri, cancellationToken);

        await client.SendMessageAsync(echoCase.Type, echoCase.Payload, cancellationToken);
        var echo = await client.ReceiveMessageAsync(cancellationToken);

        Assert.That(echo.ToMessageType(), Is.EqualTo(echoCase.Type), server.Describe());
        Assert.That(echo.Payload, Is.EqualTo(echoCase.Payload.ToArray()), server.Describe());
        await client.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", cancellationToken);
    }

    [Test, CancelAfter(10_000)]
    public async Task Subprotocol_OfferedAndSupported_IsSelected(CancellationToken cancellationToken)
    {
        await using var server = await PeerProcess.StartServerAsync(kind, ["--protocols", "chat,superchat"], cancellationToken);
        using var client = NewClient();
        client.Options.AddSubProtocol("superchat");
        client.Options.AddSubProtocol("chat");

        await client.ConnectAsync(server.Uri, cancellationToken);

        Assert.That(client.SubProtocol, Is.EqualTo("superchat"));
        Assert.That(await server.WaitForLineStartingWithAsync("open ", cancellationToken), Is.EqualTo("open / superchat"));
    }

    [Test, CancelAfter(10_000)]
    public async Task Subprotocol_RequiredButNotOffered_RejectsHandshakeWithStatus(CancellationToken cancellationToken)
    {
        await using var server = await PeerProcess.StartServerAsync(kind, ["--protocols", "chat", "--require-protocol", "--reject-status", "400"], cancellationToken);
        using var client = NewClient();
        client.Options.AddSubProtocol("other");

        await Assert.ThrowsAsync<WebSocketException>(() => client.ConnectAsync(server.Uri, cancellationToken));

        Assert.That(client.HttpStatusCode, Is.EqualTo(HttpStatusCode.BadRequest), server.Describe());
        await server.WaitForLineStartingWithAsync("rejected 400 no-protocol", cancellationToken);
    }

    [Test, CancelAfter(10_000)]
    public async Task CustomHeader_SentByClient_IsSeenByServer(CancellationToken cancellationToken)
    {
        await using var server = await PeerProcess.StartServerAsync(kind, ["--report-headers"], cancellationToken);
        using var client = NewClient();
        client.Options.SetRequestHeader("X-RxSockets-Test", "forty two");

        await client.ConnectAsync(server.Uri, cancellationToken);
        var report = await client.ReceiveMessageAsync(cancellationToken);

        var headers = JsonSerializer.Deserialize<Dictionary<string, string>>(report.Payload);
        Assert.That(headers, Does.ContainKey("x-rxsockets-test").WithValue("forty two"));
        Assert.That(await server.WaitForLineStartingWithAsync("headers ", cancellationToken), Does.Contain("\"x-rxsockets-test\""));
    }

    [Test, CancelAfter(10_000)]
    public async Task Handshake_RequiredHeaderMissing_StatusVisibleToClient(CancellationToken cancellationToken)
    {
        await using var server = await PeerProcess.StartServerAsync(kind, ["--require-header", "X-Api-Key", "--reject-status", "401"], cancellationToken);
        using var client = NewClient();

        await Assert.ThrowsAsync<WebSocketException>(() => client.ConnectAsync(server.Uri, cancellationToken));

        Assert.That(client.HttpStatusCode, Is.EqualTo(HttpStatusCode.Unauthorized), server.Describe());
        await server.WaitForLineStartingWithAsync("rejected 401 missing-header x-api-key", cancellationToken);
    }

    [Test, CancelAfter(10_000)]
    public async Task Handshake_RequiredHeaderPresent_Succeeds(CancellationToken cancellationToken)
    {
        await using var server = await PeerProcess.StartServerAsync(kind, ["--require-header", "X-Api-Key", "--reject-status", "401"], cancellationToken);
        using var client = NewClient();
        client.Options.SetRequestHeader("X-Api-Key", "secret");

        await client.ConnectAsync(server.Uri, cancellationToken);

        Assert.That(client.State, Is.EqualTo(WebSocketState.Open));
    }

    [Test, CancelAfter(10_000)]
    public async Task Close_ClientInitiatedWithCodeAndReason_ServerReportsThem(CancellationToken cancellationToken)
    {
        var expected = InteropScenarios.ClientClose;
        await using var server = await PeerProcess.StartServerAsync(kind, ["--once"], cancellationToken);
        using var client = NewClient();
        await client.ConnectAsync(server.Uri, cancellationToken);

        await client.CloseAsync((WebSocketCloseStatus)expected.Code, expected.Reason, cancellationToken);

        Assert.That(await server.WaitForClosedAsync(cancellationToken), Is.EqualTo(expected));
        Assert.That((int?)client.CloseStatus, Is.EqualTo(expected.Code), "the server echoes the close code");
        Assert.That(await server.WaitForExitAsync(cancellationToken), Is.Zero, server.Describe());
    }

    [Test, CancelAfter(10_000)]
    public async Task Close_ServerInitiatedAfterTwoMessages_ClientSeesCodeAndReason(CancellationToken cancellationToken)
    {
        var expected = InteropScenarios.ServerClose;
        await using var server = await PeerProcess.StartServerAsync(
            kind, ["--once", "--close-after", "2", "--close-code", $"{expected.Code}", "--close-reason", expected.Reason], cancellationToken);
        using var client = NewClient();
        await client.ConnectAsync(server.Uri, cancellationToken);

        foreach (var text in new[] { "one", "two" })
        {
            await client.SendMessageAsync(MessageType.Text, Encoding.UTF8.GetBytes(text), cancellationToken);
            Assert.That((await client.ReceiveMessageAsync(cancellationToken)).Payload, Is.EqualTo(Encoding.UTF8.GetBytes(text)));
        }

        var close = await client.ReceiveMessageAsync(cancellationToken);
        await client.CloseOutputAsync(client.CloseStatus ?? WebSocketCloseStatus.Empty, client.CloseStatusDescription, cancellationToken);

        Assert.That(close.Type, Is.EqualTo(WebSocketMessageType.Close));
        Assert.That((int?)client.CloseStatus, Is.EqualTo(expected.Code));
        Assert.That(client.CloseStatusDescription, Is.EqualTo(expected.Reason));
        Assert.That(await server.WaitForClosedAsync(cancellationToken), Is.EqualTo(expected), "the client echoed the close");
    }

    [Test, CancelAfter(10_000)]
    public async Task Ping_FromServerWithPayload_PongCarriesSamePayload(CancellationToken cancellationToken)
    {
        await using var server = await PeerProcess.StartServerAsync(kind, ["--ping", "are you there", "--close-after", "1"], cancellationToken);
        using var client = NewClient();
        await client.ConnectAsync(server.Uri, cancellationToken);

        // The BCL socket answers pings while a receive is pending; the ping precedes the echo on the wire.
        await client.SendMessageAsync(MessageType.Text, Encoding.UTF8.GetBytes("x"), cancellationToken);
        await client.ReceiveMessageAsync(cancellationToken);

        Assert.That(await server.WaitForLineStartingWithAsync("pong ", cancellationToken), Is.EqualTo("pong are you there"));
    }

    private static ClientWebSocket NewClient()
    {
        var client = new ClientWebSocket();
        client.Options.CollectHttpResponseDetails = true;
        client.Options.KeepAliveInterval = Timeout.InfiniteTimeSpan;
        return client;
    }
}
