using System.Net.WebSockets;
using RxSockets.Interop.Tests.Support;

namespace RxSockets.Interop.Tests.Harness;

/// <summary>
/// Proves the peers themselves against the BCL WebSocket, so a failing RxSockets interop test can be attributed: when
/// these pass and an RxSockets test fails, the fault is ours; when these fail, the peer or its installation is broken.
/// </summary>
[TestFixture(PeerKind.Node)]
[TestFixture(PeerKind.Python)]
public class PeerHarnessTests(PeerKind kind)
{
    [Test, CancelAfter(30_000)]
    public async Task ClientPeer_ScriptAgainstBclEchoServer_PrintsOkAndExitsZero(CancellationToken cancellationToken)
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
    }

    [Test, CancelAfter(30_000)]
    public async Task ServerPeer_BclClientSendsEveryCase_EchoesThemAndReportsClose(CancellationToken cancellationToken)
    {
        var close = InteropScenarios.ClientClose;
        await using var server = await PeerProcess.StartServerAsync(kind, ["--once"], cancellationToken);
        using var client = new ClientWebSocket();
        client.Options.KeepAliveInterval = Timeout.InfiniteTimeSpan;
        await client.ConnectAsync(server.Uri, cancellationToken);

        foreach (var echoCase in InteropScenarios.EchoCases)
        {
            await client.SendMessageAsync(echoCase.Type, echoCase.Payload, cancellationToken);
            var echo = await client.ReceiveMessageAsync(cancellationToken);
            Assert.That(echo.ToMessageType(), Is.EqualTo(echoCase.Type), echoCase.Name);
            Assert.That(echo.Payload, Is.EqualTo(echoCase.Payload.ToArray()), echoCase.Name);
        }

        await client.CloseAsync((WebSocketCloseStatus)close.Code, close.Reason, cancellationToken);

        Assert.That(await server.WaitForClosedAsync(cancellationToken), Is.EqualTo(close), server.Describe());
        Assert.That(await server.WaitForExitAsync(cancellationToken), Is.Zero, server.Describe());
    }
}
