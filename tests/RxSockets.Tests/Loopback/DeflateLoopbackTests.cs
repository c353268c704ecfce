using System.Text;

namespace RxSockets.Tests.Loopback;

/// <summary>Our client against our server over 127.0.0.1, with permessage-deflate.</summary>
public class DeflateLoopbackTests
{
    private static readonly string s_largeText = string.Concat(Enumerable.Repeat("permessage-deflate round trip, ", 4000));

    [TestCase(false, false)]
    [TestCase(true, false)]
    [TestCase(false, true)]
    [TestCase(true, true)]
    [CancelAfter(10_000)]
    public async Task Echo_BothEndsDeflate_NegotiatesAndRoundTrips(bool serverNoContext, bool clientNoContext, CancellationToken cancellationToken)
    {
        await using var server = await WebSocketServer.StartAsync(new WebSocketServerOptions
        {
            PerMessageDeflate = new PerMessageDeflateOptions { Threshold = 16, ServerNoContextTakeover = serverNoContext },
        }, cancellationToken);
        var serving = EchoOneAsync(server, cancellationToken);
        var options = new WebSocketClientOptions { PerMessageDeflate = new PerMessageDeflateOptions { Threshold = 16, ClientNoContextTakeover = clientNoContext } };
        await using var client = await WebSocketConnection.ConnectAsync(server.Url, options, cancellationToken);
        Message[] sent =
        [
            Message.Text(s_largeText), Message.Binary(Encoding.UTF8.GetBytes(s_largeText)), Message.Text("tiny"),
            Message.Text(s_largeText), Message.Binary(ReadOnlyMemory<byte>.Empty), Message.Text("héllo wörld ✓ 🚀 héllo wörld ✓ 🚀"),
        ];

        foreach (var message in sent)
        {
            await client.SendAsync(message, cancellationToken);
        }

        var received = new List<Message>();
        await foreach (var message in client.ReadAllAsync(cancellationToken))
        {
            received.Add(message);
            if (received.Count == sent.Length)
            {
                break;
            }
        }

        await client.CloseAsync(CloseCode.NormalClosure, "bye", cancellationToken);
        var serverExtensions = await serving;

        var expected = "permessage-deflate" + (serverNoContext ? "; server_no_context_takeover" : "") + (clientNoContext ? "; client_no_context_takeover" : "");
        Assert.That(client.Extensions, Is.EqualTo(expected));
        Assert.That(serverExtensions, Is.EqualTo(expected));
        Assert.That(received.Select(m => m.Type), Is.EqualTo(sent.Select(m => m.Type)));
        Assert.That(received.Select(m => m.Data.ToArray()), Is.EqualTo(sent.Select(m => m.Data.ToArray())));
    }

    [Test, CancelAfter(10_000)]
    public async Task Connect_ServerWithoutDeflate_ConnectsUncompressed(CancellationToken cancellationToken)
    {
        await using var server = await WebSocketServer.StartAsync(new WebSocketServerOptions(), cancellationToken);
        var serving = EchoOneAsync(server, cancellationToken);
        var options = new WebSocketClientOptions { PerMessageDeflate = new PerMessageDeflateOptions() };
        await using var client = await WebSocketConnection.ConnectAsync(server.Url, options, cancellationToken);

        await client.SendAsync(s_largeText, cancellationToken);
        var echo = await client.ReadAllAsync(cancellationToken).FirstAsync(cancellationToken);
        await client.CloseAsync(CloseCode.NormalClosure, "bye", cancellationToken);

        Assert.That(client.Extensions, Is.Empty);
        Assert.That(await serving, Is.Empty);
        Assert.That(echo.GetText(), Is.EqualTo(s_largeText));
    }

    [Test, CancelAfter(10_000)]
    public async Task Connect_ServerDeflateClientWithout_ConnectsUncompressed(CancellationToken cancellationToken)
    {
        await using var server = await WebSocketServer.StartAsync(new WebSocketServerOptions { PerMessageDeflate = new PerMessageDeflateOptions() }, cancellationToken);
        var serving = EchoOneAsync(server, cancellationToken);
        await using var client = await WebSocketConnection.ConnectAsync(server.Url, cancellationToken: cancellationToken);

        await client.SendAsync(s_largeText, cancellationToken);
        var echo = await client.ReadAllAsync(cancellationToken).FirstAsync(cancellationToken);
        await client.CloseAsync(CloseCode.NormalClosure, "bye", cancellationToken);

        Assert.That(client.Extensions, Is.Empty);
        Assert.That(await serving, Is.Empty);
        Assert.That(echo.GetText(), Is.EqualTo(s_largeText));
    }

    [Test, CancelAfter(10_000)]
    public async Task Broadcast_DeflateAndPlainClients_EveryoneReadsItAndLaterDirectMessages(CancellationToken cancellationToken)
    {
        await using var server = await WebSocketServer.StartAsync(new WebSocketServerOptions { PerMessageDeflate = new PerMessageDeflateOptions { Threshold = 0 } }, cancellationToken);
        var accepted = server.AcceptAllAsync(cancellationToken).Take(2).ToListAsync(cancellationToken);
        await using var deflateClient = await WebSocketConnection.ConnectAsync(server.Url, new WebSocketClientOptions { PerMessageDeflate = new() }, cancellationToken);
        await using var plainClient = await WebSocketConnection.ConnectAsync(server.Url, cancellationToken: cancellationToken);
        var serverSide = await accepted;
        var deflateSide = serverSide.Single(c => c.Extensions.Length > 0);

        // Direct, broadcast, direct: the direct messages use the connection's context, the broadcast a fresh one.
        await deflateSide.SendAsync(s_largeText, cancellationToken);
        var delivered = await server.BroadcastAsync(Message.Text(s_largeText + "!"), cancellationToken: cancellationToken);
        await deflateSide.SendAsync(s_largeText + "?", cancellationToken);
        var deflateReceived = await deflateClient.ReadAllAsync(cancellationToken).Take(3).ToListAsync(cancellationToken);
        var plainReceived = await plainClient.ReadAllAsync(cancellationToken).FirstAsync(cancellationToken);

        Assert.That(delivered, Is.EqualTo(2));
        Assert.That(deflateClient.Extensions, Is.EqualTo("permessage-deflate"));
        Assert.That(deflateReceived.Select(m => m.GetText()), Is.EqualTo(new[] { s_largeText, s_largeText + "!", s_largeText + "?" }));
        Assert.That(plainReceived.GetText(), Is.EqualTo(s_largeText + "!"));
    }

    public static IEnumerable<TestCaseData> EveryWindow() =>
        from bits in Enumerable.Range(8, 8)
        from noContext in new[] { false, true }
        select new TestCaseData(bits, noContext);

    [TestCaseSource(nameof(EveryWindow)), CancelAfter(10_000)]
    public async Task Echo_SmallWindowsBothWays_NegotiatesAndRoundTrips(int bits, bool noContext, CancellationToken cancellationToken)
    {
        // The client asks the server for a small window; the server asks the same of the client.
        await using var server = await WebSocketServer.StartAsync(new WebSocketServerOptions
        {
            PerMessageDeflate = new PerMessageDeflateOptions { Threshold = 0, ClientMaxWindowBits = bits, ServerNoContextTakeover = noContext },
        }, cancellationToken);
        var serving = EchoOneAsync(server, cancellationToken);
        var options = new WebSocketClientOptions { PerMessageDeflate = new PerMessageDeflateOptions { Threshold = 0, ServerMaxWindowBits = bits } };
        await using var client = await WebSocketConnection.ConnectAsync(server.Url, options, cancellationToken);
        var random = new Random(bits);
        var block = new byte[300];
        random.NextBytes(block);
        var sent = Enumerable.Range(0, 4).Select(_ =>
        {
            var filler = new byte[1 << bits];
            random.NextBytes(filler);
            byte[] data = [.. block, .. filler, .. block, .. s_largeText.Select(c => (byte)c).Take(2000), .. block];
            return Message.Binary(data);
        }).ToArray();

        foreach (var message in sent)
        {
            await client.SendAsync(message, cancellationToken);
        }

        var received = await client.ReadAllAsync(cancellationToken).Take(sent.Length).ToListAsync(cancellationToken);
        await client.CloseAsync(CloseCode.NormalClosure, "bye", cancellationToken);
        var serverExtensions = await serving;

        var expected = "permessage-deflate" + (noContext ? "; server_no_context_takeover" : "") + $"; server_max_window_bits={bits}; client_max_window_bits={bits}";
        Assert.That(client.Extensions, Is.EqualTo(expected));
        Assert.That(serverExtensions, Is.EqualTo(expected));
        Assert.That(received.Select(m => m.Data.ToArray()), Is.EqualTo(sent.Select(m => m.Data.ToArray())));
    }

    /// <summary>Echoes the first connection's messages until it closes; returns its negotiated extensions.</summary>
    private static Task<string> EchoOneAsync(WebSocketServer server, CancellationToken cancellationToken) => Task.Run(async () =>
    {
        await foreach (var connection in server.AcceptAllAsync(cancellationToken))
        {
            await foreach (var message in connection.ReadAllAsync(cancellationToken))
            {
                await connection.SendAsync(message, cancellationToken);
            }

            return connection.Extensions;
        }

        return "";
    }, cancellationToken);
}
