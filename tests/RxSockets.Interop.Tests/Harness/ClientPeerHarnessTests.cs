using RxSockets.Interop.Tests.Support;

namespace RxSockets.Interop.Tests.Harness;

/// <summary>
/// Scaffolding: proves the client peers and <see cref="PeerProcess"/> against <see cref="LoopbackWebSocketServer"/>
/// (the BCL WebSocket) until the RxSockets server can take its place in these scenarios.
/// </summary>
[TestFixture(PeerKind.Node)]
[TestFixture(PeerKind.Python)]
public class ClientPeerHarnessTests(PeerKind kind)
{
    [Test, CancelAfter(60_000)]
    public async Task Script_AgainstEchoServer_PrintsOkAndExitsZero(CancellationToken cancellationToken)
    {
        var close = InteropScenarios.ClientClose;
        await using var server = LoopbackWebSocketServer.Start();
        await using var client = await PeerProcess.StartClientAsync(
            kind, server.Uri, ["--mode", "script", "--close-code", $"{close.Code}", "--close-reason", close.Reason], cancellationToken);
        await using var connection = await server.AcceptAsync(cancellationToken);

        var received = await connection.WebSocket.EchoUntilCloseAsync(cancellationToken);

        Assert.That(received, Is.EqualTo(close), client.Describe());
        Assert.That(await client.WaitForExitAsync(cancellationToken), Is.Zero, client.Describe());
        Assert.That(client.StandardOutput, Does.Contain("ok"));
        Assert.That(client.StandardOutput, Does.Contain($"closed {close.Code} {close.Reason}"));
    }

    [Test, CancelAfter(10_000)]
    public async Task Handshake_SubprotocolAndCustomHeader_SeenByServer(CancellationToken cancellationToken)
    {
        await using var server = LoopbackWebSocketServer.Start("chat", "superchat");
        await using var client = await PeerProcess.StartClientAsync(
            kind, server.Uri, ["--protocol", "superchat", "--protocol", "chat", "--header", "X-RxSockets-Test: forty two"], cancellationToken);

        await using var connection = await server.AcceptAsync(cancellationToken);

        Assert.That(connection.SubProtocol, Is.EqualTo("superchat"));
        Assert.That(connection.Request.Headers, Does.ContainKey("X-RxSockets-Test").WithValue("forty two"));
        Assert.That(await client.WaitForLineStartingWithAsync("open ", cancellationToken), Is.EqualTo("open superchat"));
    }

    [Test, CancelAfter(60_000)]
    public async Task Echo_ServerSendsScenarioThenCloses_ClientEchoesAndReportsClose(CancellationToken cancellationToken)
    {
        var close = InteropScenarios.ServerClose;
        await using var server = LoopbackWebSocketServer.Start();
        await using var client = await PeerProcess.StartClientAsync(kind, server.Uri, ["--mode", "echo"], cancellationToken);
        await using var connection = await server.AcceptAsync(cancellationToken);
        var socket = connection.WebSocket;

        foreach (var echoCase in InteropScenarios.EchoCases)
        {
            await socket.SendMessageAsync(echoCase.Type, echoCase.Payload, cancellationToken);
            var echo = await socket.ReceiveMessageAsync(cancellationToken);
            Assert.That(echo.ToMessageType(), Is.EqualTo(echoCase.Type), echoCase.Name);
            Assert.That(echo.Payload, Is.EqualTo(echoCase.Payload.ToArray()), echoCase.Name);
        }

        await socket.CloseAsync((System.Net.WebSockets.WebSocketCloseStatus)close.Code, close.Reason, cancellationToken);

        Assert.That(await client.WaitForClosedAsync(cancellationToken), Is.EqualTo(close), client.Describe());
        Assert.That(await client.WaitForExitAsync(cancellationToken), Is.Zero, client.Describe());
        Assert.That((int?)socket.CloseStatus, Is.EqualTo(close.Code), "the client echoes the close code");
    }
}
