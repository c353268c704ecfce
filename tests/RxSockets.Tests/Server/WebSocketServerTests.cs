using RxSockets.Tests.Support;

namespace RxSockets.Tests.Server;

public class WebSocketServerTests
{
    [Test, CancelAfter(10_000)]
    public async Task Connections_ClientConnects_DeliversServerSideConnection(CancellationToken cancellationToken)
    {
        await using var server = await WebSocketServer.StartAsync(new WebSocketServerOptions(), cancellationToken);
        var accepted = InMemory.NextAsync(server.Connections, cancellationToken);

        await using var client = await WebSocketConnection.ConnectAsync(server.Url, cancellationToken: cancellationToken);
        var connection = await accepted;
        await client.SendAsync("hi server", cancellationToken);
        var message = await InMemory.NextAsync(connection.Incoming, cancellationToken);

        Assert.That(connection.Role, Is.EqualTo(ConnectionRole.Server));
        Assert.That(connection.Request?.Path, Is.EqualTo("/"));
        Assert.That(message.GetText(), Is.EqualTo("hi server"));
    }

    [Test, CancelAfter(10_000)]
    public async Task AcceptAllAsync_ConnectionAcceptedBeforeEnumeration_IsNotLost(CancellationToken cancellationToken)
    {
        await using var server = await WebSocketServer.StartAsync(new WebSocketServerOptions(), cancellationToken);
        await using var client = await WebSocketConnection.ConnectAsync(server.Url, cancellationToken: cancellationToken);
        await Until.TrueAsync(() => server.ClientCount == 1, cancellationToken);

        WebSocketConnection? accepted = null;
        await foreach (var connection in server.AcceptAllAsync(cancellationToken))
        {
            accepted = connection;
            break;
        }

        Assert.That(accepted, Is.Not.Null);
        Assert.That(server.Clients, Does.Contain(accepted));
    }

    [Test, CancelAfter(10_000)]
    public async Task Connections_AcceptedBeforeSubscription_IsNotLost(CancellationToken cancellationToken)
    {
        await using var server = await WebSocketServer.StartAsync(new WebSocketServerOptions(), cancellationToken);
        await using var client = await WebSocketConnection.ConnectAsync(server.Url, cancellationToken: cancellationToken);
        await Until.TrueAsync(() => server.ClientCount == 1, cancellationToken);

        var connection = await InMemory.NextAsync(server.Connections, cancellationToken);

        Assert.That(connection.State, Is.EqualTo(ConnectionState.Open));
    }

    [Test, CancelAfter(10_000)]
    public async Task ClientCount_ClientsConnectAndOneLeaves_TracksOpenConnections(CancellationToken cancellationToken)
    {
        await using var server = await WebSocketServer.StartAsync(new WebSocketServerOptions(), cancellationToken);
        var accepted = new RecordingObserver<WebSocketConnection>();
        using var subscription = server.Connections.Subscribe(accepted);
        await using var first = await WebSocketConnection.ConnectAsync(server.Url, cancellationToken: cancellationToken);
        await using var second = await WebSocketConnection.ConnectAsync(server.Url, cancellationToken: cancellationToken);
        await accepted.WaitForCountAsync(2, cancellationToken);
        var countWithTwo = server.ClientCount;

        await first.CloseAsync(cancellationToken: cancellationToken);
        await Until.TrueAsync(() => server.ClientCount == 1, cancellationToken);

        Assert.That(countWithTwo, Is.EqualTo(2));
        var remaining = server.Clients.Single();
        Assert.That(remaining.State, Is.EqualTo(ConnectionState.Open));
        Assert.That(accepted.Values.Count(c => c.State == ConnectionState.Closed), Is.EqualTo(1));
    }

    [Test, CancelAfter(10_000)]
    public async Task ClientCount_AfterServerSideCompletion_NoLongerCountsTheConnection(CancellationToken cancellationToken)
    {
        await using var server = await WebSocketServer.StartAsync(new WebSocketServerOptions(), cancellationToken);
        var accepted = InMemory.NextAsync(server.Connections, cancellationToken);
        await using var client = await WebSocketConnection.ConnectAsync(server.Url, cancellationToken: cancellationToken);
        var connection = await accepted;

        await client.CloseAsync(cancellationToken: cancellationToken);
        await connection.Completion.WaitAsync(cancellationToken);

        Assert.That(server.ClientCount, Is.Zero);
        Assert.That(server.Clients, Is.Empty);
    }

    [Test, CancelAfter(10_000)]
    public async Task BroadcastAsync_AllAndFiltered_EachClientGetsExactlyOneCopy(CancellationToken cancellationToken)
    {
        await using var server = await WebSocketServer.StartAsync(new WebSocketServerOptions(), cancellationToken);
        var accepted = new RecordingObserver<WebSocketConnection>();
        using var subscription = server.Connections.Subscribe(accepted);
        var clients = new List<WebSocketConnection>();
        for (var i = 0; i < 3; i++)
        {
            clients.Add(await WebSocketConnection.ConnectAsync(server.Url, cancellationToken: cancellationToken));
        }

        await accepted.WaitForCountAsync(3, cancellationToken);
        var sender = accepted.Values[0];

        var toAll = await server.BroadcastAsync(Message.Text("all"), cancellationToken: cancellationToken);
        var toOthers = await server.BroadcastAsync(Message.Text("others"), c => c != sender, cancellationToken);
        foreach (var connection in accepted.Values)
        {
            await connection.SendAsync($"end {connection.Id}", cancellationToken);
        }

        var received = new List<List<string>>();
        foreach (var client in clients)
        {
            var texts = new List<string>();
            await foreach (var message in client.ReadAllAsync(cancellationToken))
            {
                texts.Add(message.GetText());
                if (texts[^1].StartsWith("end", StringComparison.Ordinal))
                {
                    break;
                }
            }

            received.Add(texts);
        }

        Assert.That(toAll, Is.EqualTo(3));
        Assert.That(toOthers, Is.EqualTo(2));
        var senderTexts = received.Single(t => t[^1] == $"end {sender.Id}");
        Assert.That(senderTexts, Is.EqualTo(new[] { "all", $"end {sender.Id}" }));
        Assert.That(received.Where(t => t != senderTexts).Select(t => t.Take(2)), Is.All.EqualTo(new[] { "all", "others" }));
        Assert.That(received.Where(t => t != senderTexts), Has.All.Count.EqualTo(3));
        foreach (var client in clients)
        {
            await client.DisposeAsync();
        }
    }

    [Test, CancelAfter(10_000)]
    public async Task StopAsync_WithClients_ClosesEachWith1001AndCompletesConnections(CancellationToken cancellationToken)
    {
        var server = await WebSocketServer.StartAsync(new WebSocketServerOptions(), cancellationToken);
        var accepted = new RecordingObserver<WebSocketConnection>();
        using var subscription = server.Connections.Subscribe(accepted);
        await using var first = await WebSocketConnection.ConnectAsync(server.Url, cancellationToken: cancellationToken);
        await using var second = await WebSocketConnection.ConnectAsync(server.Url, cancellationToken: cancellationToken);
        await accepted.WaitForCountAsync(2, cancellationToken);

        await server.StopAsync(cancellationToken);
        await first.Completion.WaitAsync(cancellationToken);
        await second.Completion.WaitAsync(cancellationToken);

        Assert.That(first.CloseStatus?.Code, Is.EqualTo(CloseCode.GoingAway));
        Assert.That(second.CloseStatus?.Code, Is.EqualTo(CloseCode.GoingAway));
        Assert.That(await accepted.Terminated.WaitAsync(cancellationToken), Is.Null);
        Assert.That(server.ClientCount, Is.Zero);
        Assert.That(server.Completion.IsCompletedSuccessfully, Is.True);
        await server.DisposeAsync();
    }

    [Test, CancelAfter(10_000)]
    public async Task StopAsync_ThenConnect_IsRefused(CancellationToken cancellationToken)
    {
        var server = await WebSocketServer.StartAsync(new WebSocketServerOptions(), cancellationToken);
        var url = server.Url;

        await server.StopAsync(cancellationToken);

        Assert.That(async () => await WebSocketConnection.ConnectAsync(url, cancellationToken: cancellationToken),
            Throws.InstanceOf<System.Net.Sockets.SocketException>());
    }

    [Test, CancelAfter(30_000)]
    public async Task SendAsync_SixteenMebibytesWithRaisedLimits_RoundTrips(CancellationToken cancellationToken)
    {
        const int size = 16 * 1024 * 1024;
        await using var server = await WebSocketServer.StartAsync(new WebSocketServerOptions { MaxMessageSize = size }, cancellationToken);
        var echoing = EchoOnceAsync(server, cancellationToken);
        await using var client = await WebSocketConnection.ConnectAsync(server.Url, new WebSocketClientOptions { MaxMessageSize = size }, cancellationToken);
        var payload = new byte[size];
        new Random(6455).NextBytes(payload);

        await client.SendAsync(payload.AsMemory(), cancellationToken);
        var echo = await InMemory.NextAsync(client.Incoming, cancellationToken);
        await echoing;

        Assert.That(echo.Data.Length, Is.EqualTo(size));
        Assert.That(echo.Data.Span.SequenceEqual(payload), Is.True);
    }

    [Test, CancelAfter(10_000)]
    public async Task SendAsync_MessageOverReceiverLimit_ReceiverClosesWith1009(CancellationToken cancellationToken)
    {
        await using var server = await WebSocketServer.StartAsync(new WebSocketServerOptions { MaxMessageSize = 1024 }, cancellationToken);
        var accepted = InMemory.NextAsync(server.Connections, cancellationToken);
        await using var client = await WebSocketConnection.ConnectAsync(server.Url, cancellationToken: cancellationToken);
        var connection = await accepted;

        await client.SendAsync(new byte[2048].AsMemory(), cancellationToken);

        var serverError = await Assert.ThrowsAsync<ConnectionClosedException>(() => connection.Completion.WaitAsync(cancellationToken));
        Assert.That(serverError?.Sent?.Code, Is.EqualTo(CloseCode.MessageTooBig));
        await client.Completion.WaitAsync(cancellationToken);
        Assert.That(client.CloseStatus?.Code, Is.EqualTo(CloseCode.MessageTooBig));
    }

    private static async Task EchoOnceAsync(WebSocketServer server, CancellationToken cancellationToken)
    {
        await foreach (var connection in server.AcceptAllAsync(cancellationToken))
        {
            await foreach (var message in connection.ReadAllAsync(cancellationToken))
            {
                await connection.SendAsync(message, cancellationToken);
                return;
            }
        }
    }
}
