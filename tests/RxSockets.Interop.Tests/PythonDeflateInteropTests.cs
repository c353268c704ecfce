using System.Text;
using RxSockets.Interop.Tests.Support;

namespace RxSockets.Interop.Tests;

/// <summary>permessage-deflate (RFC 7692) against python <c>websockets</c> (Debian's python3-websockets) in both
/// directions, with the library's own defaults: its server answers <c>server_max_window_bits=12</c> (and
/// <c>client_max_window_bits=12</c> when offered), and it compresses every message, so the window-bits
/// negotiation and inflating a 4 KiB-window stream are exercised, not just the happy default.</summary>
public class PythonDeflateInteropTests
{
    [Test, CancelAfter(60_000)]
    public async Task RxClient_PythonServerWithDeflate_EchoesTextBinaryAndLargeMessages(CancellationToken cancellationToken)
    {
        await using var server = await PeerProcess.StartPythonServerAsync(["--deflate"], cancellationToken);
        var options = new WebSocketClientOptions
        {
            MaxMessageSize = DeflateEcho.MaxMessageSize,
            KeepAliveInterval = Timeout.InfiniteTimeSpan,
            PerMessageDeflate = new PerMessageDeflateOptions { Threshold = 0 },
        };
        await using var connection = await WebSocketConnection.ConnectAsync(server.Uri, options, cancellationToken);
        var serverExtensions = await server.WaitForLineStartingWithAsync("extensions ", cancellationToken);
        var sent = DeflateEcho.Messages();

        var received = await DeflateEcho.OneByOneThenBurstAsync(connection, sent, cancellationToken);
        await connection.CloseAsync(CloseCode.NormalClosure, "done", cancellationToken);
        var closed = await server.WaitForClosedAsync(cancellationToken);

        Assert.That(connection.Extensions, Does.StartWith("permessage-deflate"), server.Describe());
        Assert.That(serverExtensions, Is.EqualTo($"extensions {connection.Extensions}"), server.Describe());
        DeflateEcho.AssertEchoedTwice(received, sent, server.Describe());

        Assert.That(closed.Code, Is.EqualTo(1000));
    }

    [Test, CancelAfter(60_000)]
    public async Task PythonClientScript_RxServerWithDeflate_PassesAndNegotiates(CancellationToken cancellationToken)
    {
        await using var server = await WebSocketServer.StartAsync(ServerOptions(), cancellationToken);
        await using var client = await PeerProcess.StartPythonClientAsync(server.Url, ["--mode", "script", "--offer-deflate"], cancellationToken);
        await using var connection = await server.AcceptAllAsync(cancellationToken).FirstAsync(cancellationToken);

        await foreach (var message in connection.ReadAllAsync(cancellationToken))
        {
            await connection.SendAsync(message, cancellationToken);
        }

        Assert.That(await client.WaitForExitAsync(cancellationToken), Is.Zero, client.Describe());
        Assert.That(client.StandardOutput, Does.Contain("ok"), client.Describe());
        Assert.That(connection.Extensions, Does.StartWith("permessage-deflate"));
        Assert.That(client.StandardOutput, Does.Contain($"extensions {connection.Extensions}"), client.Describe());
        Assert.That(connection.CloseStatus?.Code, Is.EqualTo(CloseCode.NormalClosure));
    }

    [Test, CancelAfter(60_000)]
    public async Task PythonClientEcho_RxServerSendsLargeCompressibleMessages_EchoedIntact(CancellationToken cancellationToken)
    {
        await using var server = await WebSocketServer.StartAsync(ServerOptions(), cancellationToken);
        await using var client = await PeerProcess.StartPythonClientAsync(server.Url, ["--mode", "echo", "--offer-deflate"], cancellationToken);
        await using var connection = await server.AcceptAllAsync(cancellationToken).FirstAsync(cancellationToken);
        Message[] sent = [Message.Binary(DeflateEcho.LargeCompressible), Message.Text("small"), Message.Text(Encoding.UTF8.GetString(DeflateEcho.LargeCompressible)), Message.Binary(InteropScenarios.Payloads.Binary(70_000))];

        foreach (var message in sent)
        {
            await connection.SendAsync(message, cancellationToken);
        }

        var received = await connection.ReadAllAsync(cancellationToken).Take(sent.Length).ToListAsync(cancellationToken);
        await connection.CloseAsync(CloseCode.NormalClosure, "done", cancellationToken);

        Assert.That(connection.Extensions, Does.StartWith("permessage-deflate"));
        Assert.That(received.Select(m => m.Type), Is.EqualTo(sent.Select(m => m.Type)));
        Assert.That(received.Select(m => m.Data.ToArray()), Is.EqualTo(sent.Select(m => m.Data.ToArray())));
        Assert.That(await client.WaitForExitAsync(cancellationToken), Is.Zero, client.Describe());
        Assert.That(client.StandardOutput, Has.Some.StartsWith("extensions permessage-deflate"), client.Describe());
    }

    // Threshold 0: compress every message, as python does, so both directions carry compressed frames.
    private static WebSocketServerOptions ServerOptions() => new()
    {
        MaxMessageSize = DeflateEcho.MaxMessageSize,
        KeepAliveInterval = Timeout.InfiniteTimeSpan,
        PerMessageDeflate = new PerMessageDeflateOptions { Threshold = 0 },
    };
}
