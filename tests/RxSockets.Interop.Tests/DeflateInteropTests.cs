using System.Text;
using RxSockets.Interop.Tests.Support;

namespace RxSockets.Interop.Tests;

/// <summary>permessage-deflate (RFC 7692) against node <c>ws</c>, in both directions, with and without context
/// takeover. ws compresses every non-empty message here (threshold 0), and so do we.</summary>
public class DeflateInteropTests
{
    [TestCase(false)]
    [TestCase(true)]
    [CancelAfter(60_000)]
    public async Task RxClient_WsServerWithDeflate_EchoesEveryCaseAndALargeCompressibleMessage(bool noContextTakeover, CancellationToken cancellationToken)
    {
        await using var server = await PeerProcess.StartNodeServerAsync(noContextTakeover ? ["--deflate", "--no-context-takeover"] : ["--deflate"], cancellationToken);
        var options = new WebSocketClientOptions
        {
            MaxMessageSize = DeflateEcho.MaxMessageSize,
            KeepAliveInterval = Timeout.InfiniteTimeSpan,
            PerMessageDeflate = new PerMessageDeflateOptions { Threshold = 0, ServerNoContextTakeover = noContextTakeover, ClientNoContextTakeover = noContextTakeover },
        };
        await using var connection = await WebSocketConnection.ConnectAsync(server.Uri, options, cancellationToken);
        var serverExtensions = await server.WaitForLineStartingWithAsync("extensions ", cancellationToken);
        var sent = DeflateEcho.Messages();

        var received = await DeflateEcho.OneByOneThenBurstAsync(connection, sent, cancellationToken);
        await connection.CloseAsync(CloseCode.NormalClosure, "done", cancellationToken);

        var expected = noContextTakeover ? "permessage-deflate; server_no_context_takeover; client_no_context_takeover" : "permessage-deflate";
        Assert.That(connection.Extensions, Is.EqualTo(expected), server.Describe());
        Assert.That(serverExtensions, Does.StartWith("extensions permessage-deflate"), server.Describe());
        DeflateEcho.AssertEchoedTwice(received, sent, server.Describe());
    }

    [TestCase(false)]
    [TestCase(true)]
    [CancelAfter(60_000)]
    public async Task WsClientScript_RxServerWithDeflate_PassesAndNegotiates(bool noContextTakeover, CancellationToken cancellationToken)
    {
        var options = new WebSocketServerOptions
        {
            MaxMessageSize = DeflateEcho.MaxMessageSize,
            KeepAliveInterval = Timeout.InfiniteTimeSpan,
            PerMessageDeflate = new PerMessageDeflateOptions { Threshold = 0 },
        };
        await using var server = await WebSocketServer.StartAsync(options, cancellationToken);
        string[] arguments = noContextTakeover ? ["--mode", "script", "--offer-deflate", "--no-context-takeover"] : ["--mode", "script", "--offer-deflate"];
        await using var client = await PeerProcess.StartNodeClientAsync(server.Url, arguments, cancellationToken);
        await using var connection = await server.AcceptAllAsync(cancellationToken).FirstAsync(cancellationToken);

        await foreach (var message in connection.ReadAllAsync(cancellationToken))
        {
            await connection.SendAsync(message, cancellationToken);
        }

        var expected = noContextTakeover ? "permessage-deflate; server_no_context_takeover; client_no_context_takeover" : "permessage-deflate";
        Assert.That(await client.WaitForExitAsync(cancellationToken), Is.Zero, client.Describe());
        Assert.That(client.StandardOutput, Does.Contain("ok"), client.Describe());
        Assert.That(client.StandardOutput, Does.Contain("extensions permessage-deflate"), client.Describe());   // ws reports names only
        Assert.That(connection.Extensions, Is.EqualTo(expected));
    }

    [Test, CancelAfter(60_000)]
    public async Task WsClientEcho_RxServerSendsLargeCompressibleMessages_EchoedIntact(CancellationToken cancellationToken)
    {
        var options = new WebSocketServerOptions
        {
            MaxMessageSize = DeflateEcho.MaxMessageSize,
            KeepAliveInterval = Timeout.InfiniteTimeSpan,
            PerMessageDeflate = new PerMessageDeflateOptions(),
        };
        await using var server = await WebSocketServer.StartAsync(options, cancellationToken);
        await using var client = await PeerProcess.StartNodeClientAsync(server.Url, ["--mode", "echo", "--offer-deflate"], cancellationToken);
        await using var connection = await server.AcceptAllAsync(cancellationToken).FirstAsync(cancellationToken);
        Message[] sent = [Message.Binary(DeflateEcho.LargeCompressible), Message.Text("small"), Message.Text(Encoding.UTF8.GetString(DeflateEcho.LargeCompressible))];

        foreach (var message in sent)
        {
            await connection.SendAsync(message, cancellationToken);
        }

        var received = await connection.ReadAllAsync(cancellationToken).Take(sent.Length).ToListAsync(cancellationToken);
        await connection.CloseAsync(CloseCode.NormalClosure, "done", cancellationToken);

        Assert.That(connection.Extensions, Is.EqualTo("permessage-deflate"));
        Assert.That(received.Select(m => m.Type), Is.EqualTo(sent.Select(m => m.Type)));
        Assert.That(received.Select(m => m.Data.ToArray()), Is.EqualTo(sent.Select(m => m.Data.ToArray())));
        Assert.That(await client.WaitForExitAsync(cancellationToken), Is.Zero, client.Describe());
    }
}
