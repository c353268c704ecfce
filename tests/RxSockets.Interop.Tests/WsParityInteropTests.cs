using RxSockets.Interop.Tests.Support;

namespace RxSockets.Interop.Tests;

/// <summary>The ws-parity verbs of issue 14 against node <c>ws</c>: an unsolicited pong reaches ws's <c>pong</c> event,
/// and messages sent with <see cref="Message.WithoutCompression"/> (RSV1 clear) interleaved with compressed ones, under
/// context takeover, are read by ws's inflater and echoed intact.</summary>
public class WsParityInteropTests
{
    [Test, CancelAfter(60_000)]
    public async Task PongAsync_Unsolicited_WsServerSeesItsPayload(CancellationToken cancellationToken)
    {
        await using var server = await PeerProcess.StartNodeServerAsync([], cancellationToken);
        await using var connection = await WebSocketConnection.ConnectAsync(server.Uri, cancellationToken: cancellationToken);

        await connection.PongAsync("heartbeat 1"u8.ToArray(), cancellationToken);
        var line = await server.WaitForLineStartingWithAsync("pong ", cancellationToken);
        await connection.CloseAsync(CloseCode.NormalClosure, "done", cancellationToken);

        Assert.That(line, Is.EqualTo("pong heartbeat 1"), server.Describe());
    }

    [Test, CancelAfter(60_000)]
    public async Task WithoutCompression_InterleavedWithCompressed_WsServerInflatesAndEchoesAll(CancellationToken cancellationToken)
    {
        await using var server = await PeerProcess.StartNodeServerAsync(["--deflate"], cancellationToken);
        var options = new WebSocketClientOptions
        {
            MaxMessageSize = DeflateEcho.MaxMessageSize,
            KeepAliveInterval = Timeout.InfiniteTimeSpan,
            PerMessageDeflate = new PerMessageDeflateOptions { Threshold = 0 },
        };
        await using var connection = await WebSocketConnection.ConnectAsync(server.Uri, options, cancellationToken);
        var large = Message.Binary(DeflateEcho.LargeCompressible);
        Message[] sent = [large.WithoutCompression(), large, Message.Text("small").WithoutCompression(), large, large.WithoutCompression()];

        foreach (var message in sent)
        {
            await connection.SendAsync(message, cancellationToken);
        }

        var received = await connection.ReadAllAsync(cancellationToken).Take(sent.Length).ToListAsync(cancellationToken);
        await connection.CloseAsync(CloseCode.NormalClosure, "done", cancellationToken);

        Assert.That(connection.Extensions, Is.EqualTo("permessage-deflate"));
        Assert.That(received.Select(m => m.Type), Is.EqualTo(sent.Select(m => m.Type)));
        Assert.That(received.Select(m => m.Data.ToArray()), Is.EqualTo(sent.Select(m => m.Data.ToArray())), server.Describe());
    }
}
