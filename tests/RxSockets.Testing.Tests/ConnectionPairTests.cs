using System.Reactive.Linq;
using System.Reactive.Threading.Tasks;
using Microsoft.Reactive.Testing;

namespace RxSockets.Testing.Tests;

public class ConnectionPairTests
{
    [Test, CancelAfter(5_000)]
    public async Task CreatePair_ExchangesMessagesBothWays(CancellationToken cancellationToken)
    {
        await using var pair = RxSocketsTest.CreatePair();
        var (client, server) = pair;
        var atServer = server.Incoming.FirstAsync().ToTask(cancellationToken);
        var atClient = client.Incoming.FirstAsync().ToTask(cancellationToken);

        await client.SendAsync("ping from client", cancellationToken);
        await server.SendAsync("pong from server", cancellationToken);

        Assert.That((await atServer).GetText(), Is.EqualTo("ping from client"));
        Assert.That((await atClient).GetText(), Is.EqualTo("pong from server"));
        Assert.That((client.State, server.State), Is.EqualTo((ConnectionState.Open, ConnectionState.Open)));
    }

    [Test, CancelAfter(5_000)]
    public async Task CloseAsync_OverThePair_IsACleanCloseHandshake(CancellationToken cancellationToken)
    {
        await using var pair = RxSocketsTest.CreatePair();

        await pair.Client.CloseAsync(CloseCode.NormalClosure, "done", cancellationToken);

        await pair.Server.Completion.WaitAsync(cancellationToken);
        Assert.That(pair.Server.State, Is.EqualTo(ConnectionState.Closed));
    }

    [Test, CancelAfter(5_000)]
    public async Task Cut_ClosesBothEndsAbnormally(CancellationToken cancellationToken)
    {
        await using var pair = RxSocketsTest.CreatePair();

        pair.Link.Cut();

        foreach (var end in new[] { pair.Client, pair.Server })
        {
            var error = await Assert.ThrowsAsync<ConnectionClosedException>(() => end.Completion.WaitAsync(cancellationToken));
            Assert.That(error.Code, Is.EqualTo(CloseCode.AbnormalClosure));
        }
    }

    [Test, CancelAfter(5_000)]
    public async Task DisposeAsync_StalledLinkOnAClockThatNeverMoves_DoesNotWaitForTheCloseTimeout(CancellationToken cancellationToken)
    {
        var clock = new TestScheduler();
        var pair = RxSocketsTest.CreatePair(clock);
        pair.Link.Stall();   // a close frame would never be answered, and the close timeout is virtual

        await pair.DisposeAsync().AsTask().WaitAsync(cancellationToken);

        Assert.That((pair.Client.State, pair.Server.State), Is.EqualTo((ConnectionState.Closed, ConnectionState.Closed)));
    }

    [Test]
    public void CreatePair_WithCompression_ThrowsNamingTheParameter()
    {
        var options = new WebSocketClientOptions { PerMessageDeflate = new PerMessageDeflateOptions() };

        var error = Assert.Throws<ArgumentException>(() => RxSocketsTest.CreatePair(options));

        Assert.That(error.ParamName, Is.EqualTo("clientOptions"));
        Assert.That(error.Message, Does.Contain("PerMessageDeflate"));
    }

    [Test]
    public void CreatePair_InvalidOption_ThrowsNamingTheProperty()
    {
        var error = Assert.Throws<ArgumentException>(() => RxSocketsTest.CreatePair(serverOptions: new WebSocketServerOptions { MaxMessageSize = 0 }));

        Assert.That(error.ParamName, Is.EqualTo("MaxMessageSize"));
    }

    [Test, CancelAfter(5_000)]
    public async Task ConnectAsync_DetachedServer_RunsItsChecksAndPublishesTheConnection(CancellationToken cancellationToken)
    {
        HandshakeRequest? seen = null;
        await using var server = WebSocketServer.CreateDetached(new WebSocketServerOptions
        {
            Path = "/chat",
            VerifyClient = (request, _) =>
            {
                seen = request;
                return ValueTask.FromResult(request.GetHeader("Authorization") == "Bearer good" ? null : new HandshakeRejection(401));
            },
        });
        var published = server.Connections.FirstAsync().ToTask(cancellationToken);
        var options = new WebSocketClientOptions();
        options.Headers["Authorization"] = "Bearer good";

        await using var pair = await RxSocketsTest.ConnectAsync(server, "/chat?room=7", options, cancellationToken);
        var echoed = pair.Client.Incoming.FirstAsync().ToTask(cancellationToken);
        await (await published).SendAsync("welcome", cancellationToken);

        Assert.That(await published, Is.SameAs(pair.Server));
        Assert.That((await echoed).GetText(), Is.EqualTo("welcome"));
        Assert.That(seen?.GetQueryValue("room"), Is.EqualTo("7"));
    }

    [Test, CancelAfter(5_000)]
    public async Task ConnectAsync_Refused_ThrowsWithTheStatus(CancellationToken cancellationToken)
    {
        await using var server = WebSocketServer.CreateDetached(new WebSocketServerOptions
        {
            VerifyClient = (_, _) => ValueTask.FromResult<HandshakeRejection?>(new HandshakeRejection(401)),
        });

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => RxSocketsTest.ConnectAsync(server, cancellationToken: cancellationToken));

        Assert.That(error.Message, Does.Contain("401"));
    }

    [Test]
    public async Task ConnectAsync_PathWithoutSlash_Throws()
    {
        await using var server = WebSocketServer.CreateDetached(new WebSocketServerOptions());

        var error = await Assert.ThrowsAsync<ArgumentException>(() => RxSocketsTest.ConnectAsync(server, "chat"));

        Assert.That(error.ParamName, Is.EqualTo("path"));
    }
}
