using System.Buffers;
using System.IO.Pipelines;
using System.Text;
using Microsoft.Reactive.Testing;
using RxSockets.Tests.Support;

namespace RxSockets.Tests.Server;

public class DetachedServerTests
{
    [Test, CancelAfter(5_000)]
    public async Task AcceptAsync_ValidRequest_Writes101ThenRunsTheConnection(CancellationToken cancellationToken)
    {
        await using var server = Detached.Server(configure: o => o.SubProtocols.Add("chat"));
        var (local, remote) = PipePair.Create();
        var published = InMemory.NextAsync(server.Connections, cancellationToken);
        var request = Detached.Request("/ws?room=1", extra: new KeyValuePair<string, string>("Sec-WebSocket-Protocol", "chat"));

        var connection = await server.AcceptAsync(request, local, cancellationToken);
        var head = await ReadHeadAsync(remote.Input, cancellationToken);
        var peer = RawPeer.Client(remote);
        await peer.SendTextAsync("hello", cancellationToken);

        Assert.That(connection, Is.Not.Null);
        Assert.That(head, Does.StartWith("HTTP/1.1 101 ").And.Contain("Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=").And.Contain("Sec-WebSocket-Protocol: chat"));
        Assert.That(await published, Is.SameAs(connection));
        Assert.That(connection!.Request?.GetQueryValue("room"), Is.EqualTo("1"));
        await foreach (var message in connection.ReadAllAsync(cancellationToken))
        {
            Assert.That(message.GetText(), Is.EqualTo("hello"));
            break;
        }

        Assert.That(server.ClientCount, Is.EqualTo(1));
    }

    [Test, CancelAfter(5_000)]
    public async Task AcceptAsync_WrongPath_WritesRefusalAndReturnsNull(CancellationToken cancellationToken)
    {
        await using var server = Detached.Server(configure: o => o.Path = "/ws");
        var (local, remote) = PipePair.Create();

        var connection = await server.AcceptAsync(Detached.Request("/other"), local, cancellationToken);
        var answer = await ReadHeadAsync(remote.Input, cancellationToken);

        Assert.That(connection, Is.Null);
        Assert.That(answer, Does.StartWith("HTTP/1.1 404 "));
    }

    [Test, CancelAfter(5_000)]
    public async Task NegotiateAsync_VerifyClientRefuses_ReturnsItsRejection(CancellationToken cancellationToken)
    {
        await using var server = Detached.Server(new TestScheduler(),
            o => o.VerifyClient = (_, _) => ValueTask.FromResult<HandshakeRejection?>(new HandshakeRejection(401, "who are you")));

        using var upgrade = await server.NegotiateAsync(Detached.Request(), cancellationToken);

        Assert.That(upgrade.IsAccepted, Is.False);
        Assert.That(upgrade.Rejection?.StatusCode, Is.EqualTo(401));
        Assert.That(() => server.Accept(upgrade, PipePair.Create().Local), Throws.InvalidOperationException);
    }

    [Test, CancelAfter(5_000)]
    public async Task StopAsync_Detached_ClosesConnectionsWith1001(CancellationToken cancellationToken)
    {
        var server = Detached.Server();
        var (_, peer) = await Detached.OpenAsync(server, cancellationToken);

        var stopping = server.StopAsync(cancellationToken);
        var status = await peer.ExpectCloseAsync(cancellationToken);
        await peer.SendCloseAsync(CloseCode.GoingAway, "", cancellationToken);
        await stopping;

        Assert.That(status?.Code, Is.EqualTo(CloseCode.GoingAway));
        Assert.That(() => server.LocalEndPoint, Throws.InvalidOperationException);
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
