using System.Text;
using RxSockets.Interop.Tests.Support;

namespace RxSockets.Interop.Tests;

/// <summary>permessage-deflate with every window size (RFC 7692 §7.1.2: 8 to 15 bits) against node <c>ws</c> and python
/// <c>websockets</c>, in both directions: their server asking our client for small windows (and granting the one our
/// client requests), and their client asking our server for small windows (and granting the one our server asks).
/// Their inflaters are zlib with exactly the agreed window, so our compressor staying within it is checked by a third
/// party. python's zlib cannot compress with an 8-bit raw window (it raises), so python compresses with 9 where we
/// compress with 8; node turns 8 into 9 itself, as we do.</summary>
public class DeflateWindowInteropTests
{
    public static IEnumerable<TestCaseData> Cases() =>
        from kind in new[] { PeerKind.Node, PeerKind.Python }
        from bits in Enumerable.Range(8, 8)
        select new TestCaseData(kind, bits);

    [TestCaseSource(nameof(Cases)), CancelAfter(60_000)]
    public async Task RxClient_PeerServerWithSmallWindows_NegotiatesAndEchoesIntact(PeerKind kind, int bits, CancellationToken cancellationToken)
    {
        var peerBits = PeerCompressBits(kind, bits);
        await using var server = await PeerProcess.StartServerAsync(kind,
            ["--deflate", "--server-window-bits", $"{peerBits}", "--client-window-bits", $"{bits}"], cancellationToken);
        var options = new WebSocketClientOptions
        {
            MaxMessageSize = DeflateEcho.MaxMessageSize,
            KeepAliveInterval = Timeout.InfiniteTimeSpan,
            PerMessageDeflate = new PerMessageDeflateOptions { Threshold = 0, ServerMaxWindowBits = peerBits },
        };
        await using var connection = await WebSocketConnection.ConnectAsync(server.Uri, options, cancellationToken);
        var sent = Messages(bits);

        var received = await DeflateEcho.OneByOneThenBurstAsync(connection, sent, cancellationToken);
        await connection.CloseAsync(CloseCode.NormalClosure, "done", cancellationToken);

        Assert.That(connection.Extensions, Is.EqualTo($"permessage-deflate; server_max_window_bits={peerBits}; client_max_window_bits={bits}"), server.Describe());
        DeflateEcho.AssertEchoedTwice(received, sent, server.Describe());
        Assert.That((await server.WaitForClosedAsync(cancellationToken)).Code, Is.EqualTo(1000), server.Describe());
    }

    [TestCaseSource(nameof(Cases)), CancelAfter(60_000)]
    public async Task PeerClient_RxServerWithSmallWindows_NegotiatesAndEchoesIntact(PeerKind kind, int bits, CancellationToken cancellationToken)
    {
        // The peer asks our server for `bits`; our server asks the peer for the window it can compress with.
        var peerBits = PeerCompressBits(kind, bits);
        var options = new WebSocketServerOptions
        {
            MaxMessageSize = DeflateEcho.MaxMessageSize,
            KeepAliveInterval = Timeout.InfiniteTimeSpan,
            PerMessageDeflate = new PerMessageDeflateOptions { Threshold = 0, ClientMaxWindowBits = peerBits },
        };
        await using var server = await WebSocketServer.StartAsync(options, cancellationToken);
        await using var client = await PeerProcess.StartClientAsync(kind, server.Url,
            ["--mode", "echo", "--offer-deflate", "--server-window-bits", $"{bits}"], cancellationToken);
        await using var connection = await server.AcceptAllAsync(cancellationToken).FirstAsync(cancellationToken);
        var sent = Messages(bits);

        var received = await DeflateEcho.OneByOneThenBurstAsync(connection, sent, cancellationToken);
        await connection.CloseAsync(CloseCode.NormalClosure, "done", cancellationToken);

        var expected = $"permessage-deflate; server_max_window_bits={bits}; client_max_window_bits={peerBits}";
        Assert.That(connection.Extensions, Is.EqualTo(expected));
        DeflateEcho.AssertEchoedTwice(received, sent, client.Describe());
        Assert.That(await client.WaitForExitAsync(cancellationToken), Is.Zero, client.Describe());
        Assert.That(client.StandardOutput, Does.Contain(kind == PeerKind.Node ? $"response-extensions {expected}" : $"extensions {expected}"), client.Describe());
    }

    /// <summary>The window the peer compresses with: python's zlib refuses 8 for raw DEFLATE.</summary>
    private static int PeerCompressBits(PeerKind kind, int bits) => kind == PeerKind.Python ? Math.Max(bits, 9) : bits;

    /// <summary>Random data that repeats just beyond the window (a compressor with a larger one would refer back to
    /// it), a large compressible message, a small one and an empty one.</summary>
    private static List<Message> Messages(int bits)
    {
        var random = new Random(bits);
        var block = new byte[300];
        random.NextBytes(block);
        var filler = new byte[1 << bits];
        random.NextBytes(filler);
        byte[] farRepeats = [.. block, .. filler, .. block, .. filler, .. block];
        return [Message.Binary(farRepeats), Message.Text(Encoding.UTF8.GetString(DeflateEcho.LargeCompressible)), Message.Binary(farRepeats),
            Message.Text("small"), Message.Binary(ReadOnlyMemory<byte>.Empty), Message.Binary(DeflateEcho.LargeCompressible)];
    }
}
