using System.Net;
using Microsoft.Reactive.Testing;
using RxSockets.Tests.Support;

namespace RxSockets.Tests.Server;

public class ServerLimitsTests
{
    [Test, CancelAfter(5_000)]
    public async Task MessageRateLimit_BurstExceeded_ClosesWith1008(CancellationToken cancellationToken)
    {
        await using var server = Detached.Server(new TestScheduler(), o => o.MessageRateLimit = 2);
        var (connection, peer) = await Detached.OpenAsync(server, cancellationToken);
        var received = new RecordingObserver<Message>();
        using var subscription = connection.Incoming.Subscribe(received);

        await peer.SendTextAsync("one", cancellationToken);
        await peer.SendTextAsync("two", cancellationToken);
        await peer.SendTextAsync("three", cancellationToken);
        var status = await peer.ExpectCloseAsync(cancellationToken);
        await peer.CompleteAsync();   // the server drains until the peer's FIN (its close timeout is on virtual time)
        await received.Terminated.WaitAsync(cancellationToken);   // Incoming ends after everything it delivers

        Assert.That(status, Is.EqualTo(new CloseStatus(CloseCode.PolicyViolation, "message rate limit exceeded")));
        Assert.That(received.Values.Select(m => m.GetText()), Is.EqualTo(new[] { "one", "two" }));
    }

    [Test, CancelAfter(5_000)]
    public async Task MessageRateLimit_TokensRefillOnVirtualTime_AllowsSteadyRate(CancellationToken cancellationToken)
    {
        var clock = new TestScheduler();
        await using var server = Detached.Server(clock, o => o.MessageRateLimit = 2);
        var (connection, peer) = await Detached.OpenAsync(server, cancellationToken);
        var received = new RecordingObserver<Message>();
        using var subscription = connection.Incoming.Subscribe(received);

        for (var second = 0; second < 3; second++)
        {
            await peer.SendTextAsync("a", cancellationToken);
            await peer.SendTextAsync("b", cancellationToken);
            await received.WaitForCountAsync((second + 1) * 2, cancellationToken);
            clock.AdvanceBy(TimeSpan.FromSeconds(1));
        }

        Assert.That(received.Values, Has.Count.EqualTo(6));
        Assert.That(connection.State, Is.EqualTo(ConnectionState.Open));
        connection.Abort();   // no close handshake to wait for on virtual time
    }

    [Test, CancelAfter(5_000)]
    public async Task MaxConnectionsPerAddress_Reached_Answers429UntilOneCloses(CancellationToken cancellationToken)
    {
        await using var server = Detached.Server(configure: o => o.MaxConnectionsPerAddress = 1);
        var first = new IPEndPoint(IPAddress.Parse("10.0.0.1"), 1000);
        var (connection, peer) = await Detached.OpenAsync(server, cancellationToken, remote: first);

        using var sameAddress = await server.NegotiateAsync(Detached.Request(remote: new IPEndPoint(IPAddress.Parse("::ffff:10.0.0.1"), 1001)), cancellationToken);
        using var otherAddress = await server.NegotiateAsync(Detached.Request(remote: new IPEndPoint(IPAddress.Parse("10.0.0.2"), 1000)), cancellationToken);
        await peer.SendCloseAsync(CloseCode.NormalClosure, "", cancellationToken);
        await connection.Completion.WaitAsync(cancellationToken);
        await Until.TrueAsync(() => server.ClientCount == 0, cancellationToken);
        using var afterClose = await server.NegotiateAsync(Detached.Request(remote: first), cancellationToken);

        Assert.That(sameAddress.Rejection?.StatusCode, Is.EqualTo(429));
        Assert.That(otherAddress.IsAccepted, Is.True);
        Assert.That(afterClose.IsAccepted, Is.True);
    }

    [Test, CancelAfter(10_000)]
    public async Task MaxConnectionsPerAddress_OnListeningServer_RefusesSecondClientWith429(CancellationToken cancellationToken)
    {
        await using var server = await WebSocketServer.StartAsync(new WebSocketServerOptions { MaxConnectionsPerAddress = 1 }, cancellationToken);
        await using var first = await WebSocketConnection.ConnectAsync(server.Url, cancellationToken: cancellationToken);

        var error = await Assert.ThrowsAsync<HandshakeException>(async () => await WebSocketConnection.ConnectAsync(server.Url, cancellationToken: cancellationToken));

        Assert.That(error?.StatusCode, Is.EqualTo(429));
    }

    [Test]
    public void Options_NegativeRateLimit_ThrowsNamingIt()
    {
        var options = new WebSocketServerOptions { MessageRateLimit = -1 };

        var error = Assert.Throws<ArgumentException>(() => WebSocketServer.CreateDetached(options));

        Assert.That(error?.ParamName, Is.EqualTo(nameof(WebSocketServerOptions.MessageRateLimit)));
    }
}
