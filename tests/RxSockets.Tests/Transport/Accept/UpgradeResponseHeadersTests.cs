using System.Buffers;
using System.IO.Pipelines;
using System.Text;
using RxSockets.Tests.Support;

namespace RxSockets.Tests.Transport.Accept;

/// <summary><see cref="WebSocketServerOptions.AddResponseHeaders"/> on the server's 101, and
/// <see cref="WebSocketConnection.ResponseHeaders"/> on the client.</summary>
public class UpgradeResponseHeadersTests
{
    [Test, CancelAfter(10_000)]
    public async Task AddResponseHeaders_Set_ClientReadsThemOnResponseHeaders(CancellationToken cancellationToken)
    {
        var options = new WebSocketServerOptions
        {
            Path = "/chat",
            AddResponseHeaders = request => new Dictionary<string, string>
            {
                ["X-Session"] = $"s-{request.Path.Length}",
                ["Set-Cookie"] = "affinity=node-1; HttpOnly",
            },
        };
        await using var server = await WebSocketServer.StartAsync(options, cancellationToken);

        await using var client = await WebSocketConnection.ConnectAsync(server.Url, cancellationToken: cancellationToken);

        Assert.That(client.ResponseHeaders["x-session"], Is.EqualTo("s-5"));
        Assert.That(client.ResponseHeaders["Set-Cookie"], Is.EqualTo("affinity=node-1; HttpOnly"));
        Assert.That(client.ResponseHeaders["Upgrade"], Is.EqualTo("websocket").IgnoreCase);
        Assert.That(client.ResponseHeaders.ContainsKey("Sec-WebSocket-Accept"), Is.True);
    }

    [Test, CancelAfter(10_000)]
    public async Task ResponseHeaders_NoHook_HoldOnlyTheHandshakesOwn(CancellationToken cancellationToken)
    {
        await using var server = await WebSocketServer.StartAsync(new WebSocketServerOptions(), cancellationToken);

        await using var client = await WebSocketConnection.ConnectAsync(server.Url, cancellationToken: cancellationToken);
        var serverSide = await InMemory.NextAsync(server.Connections, cancellationToken);

        Assert.That(client.ResponseHeaders.Keys.Select(name => name.ToLowerInvariant()), Is.EquivalentTo(new[] { "upgrade", "connection", "sec-websocket-accept" }));
        Assert.That(serverSide.ResponseHeaders, Is.Empty);
    }

    [TestCase("Sec-WebSocket-Accept", "forged")]
    [TestCase("Bad Name", "x")]
    [TestCase("X-Split", "a\r\nInjected: yes")]
    [CancelAfter(10_000)]
    public async Task AddResponseHeaders_HandshakeHeaderOrInvalid_Answers500AndReportsIt(string name, string value, CancellationToken cancellationToken)
    {
        var options = new WebSocketServerOptions { AddResponseHeaders = _ => new Dictionary<string, string> { [name] = value } };
        await using var server = await WebSocketServer.StartAsync(options, cancellationToken);
        var reported = InMemory.NextAsync(server.HandshakeFailures, cancellationToken);

        var error = await Assert.ThrowsAsync<HandshakeException>(async () => await WebSocketConnection.ConnectAsync(server.Url, cancellationToken: cancellationToken));
        var failure = await reported;

        Assert.That(error?.StatusCode, Is.EqualTo(500));
        Assert.That(failure.StatusCode, Is.EqualTo(500));
        Assert.That(failure.Exception, Is.InstanceOf<InvalidOperationException>());
        Assert.That(failure.Exception?.Message, Does.Contain("AddResponseHeaders"));
    }

    [Test, CancelAfter(5_000)]
    public async Task AddResponseHeaders_Detached_AppearInTheUpgradeAndTheWritten101(CancellationToken cancellationToken)
    {
        await using var server = Detached.Server(configure: o => o.AddResponseHeaders = _ => new Dictionary<string, string> { ["X-Node"] = "n1" });

        using (var upgrade = await server.NegotiateAsync(Detached.Request(), cancellationToken))
        {
            Assert.That(upgrade.ResponseHeaders["x-node"], Is.EqualTo("n1"));
            Assert.That(upgrade.ResponseHeaders.ContainsKey("Sec-WebSocket-Accept"), Is.True);
        }

        var (local, remote) = PipePair.Create();
        var connection = await server.AcceptAsync(Detached.Request(), local, cancellationToken);
        var head = await ReadHeadAsync(remote.Input, cancellationToken);

        Assert.That(connection, Is.Not.Null);
        Assert.That(head, Does.StartWith("HTTP/1.1 101 ").And.Contain("X-Node: n1\r\n"));
        connection!.Abort();
    }

    private static async Task<string> ReadHeadAsync(PipeReader input, CancellationToken cancellationToken)
    {
        while (true)
        {
            var result = await input.ReadAsync(cancellationToken);
            var text = Encoding.ASCII.GetString(result.Buffer.ToArray());
            var end = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
            if (end >= 0)
            {
                input.AdvanceTo(result.Buffer.GetPosition(end + 4));
                return text[..(end + 4)];
            }

            Assert.That(result.IsCompleted, Is.False, "the stream ended before the head");
            input.AdvanceTo(result.Buffer.Start, result.Buffer.End);
        }
    }
}
