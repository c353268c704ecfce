using System.Net.Sockets;
using System.Text;
using Microsoft.Reactive.Testing;
using RxSockets.Tests.Support;

namespace RxSockets.Tests.Transport.Accept;

public class ServerAcceptorTests
{
    [Test, CancelAfter(10_000)]
    public async Task Accept_PathNotServed_Answers404(CancellationToken cancellationToken)
    {
        await using var server = await WebSocketServer.StartAsync(new WebSocketServerOptions { Path = "/chat" }, cancellationToken);
        var other = new Uri($"ws://127.0.0.1:{server.LocalEndPoint.Port}/other");

        var error = await Assert.ThrowsAsync<HandshakeException>(async () => await WebSocketConnection.ConnectAsync(other, cancellationToken: cancellationToken));

        Assert.That(error?.StatusCode, Is.EqualTo(404));
        Assert.That(server.ClientCount, Is.Zero);
    }

    [Test, CancelAfter(10_000)]
    public async Task Accept_ServedPath_Connects(CancellationToken cancellationToken)
    {
        await using var server = await WebSocketServer.StartAsync(new WebSocketServerOptions { Path = "/chat" }, cancellationToken);

        await using var client = await WebSocketConnection.ConnectAsync(server.Url, cancellationToken: cancellationToken);

        Assert.That(client.State, Is.EqualTo(ConnectionState.Open));
        Assert.That(server.Url.AbsolutePath, Is.EqualTo("/chat"));
    }

    [Test, CancelAfter(10_000)]
    public async Task Accept_WrongWebSocketVersion_Answers426WithSupportedVersion(CancellationToken cancellationToken)
    {
        await using var server = await WebSocketServer.StartAsync(new WebSocketServerOptions(), cancellationToken);

        var response = await RawHttp.ExchangeAsync(server.LocalEndPoint, RawHttp.UpgradeRequest(version: "7"), cancellationToken);

        Assert.That(response, Does.StartWith("HTTP/1.1 426 "));
        Assert.That(response, Does.Contain("Sec-WebSocket-Version: 13, 8\r\n"));
    }

    [Test, CancelAfter(10_000)]
    public async Task Accept_Garbage_Answers400(CancellationToken cancellationToken)
    {
        await using var server = await WebSocketServer.StartAsync(new WebSocketServerOptions(), cancellationToken);

        var response = await RawHttp.ExchangeAsync(server.LocalEndPoint, "\u0001\u0002 not http at all\r\n\r\n", cancellationToken);

        Assert.That(response, Does.StartWith("HTTP/1.1 400 "));
    }

    [Test, CancelAfter(10_000)]
    public async Task Accept_HeaderOverMaxHeaderBytes_Answers431(CancellationToken cancellationToken)
    {
        await using var server = await WebSocketServer.StartAsync(new WebSocketServerOptions { MaxHeaderBytes = 1024 }, cancellationToken);
        var padding = $"X-Padding: {new string('a', 1500)}\r\n";

        var response = await RawHttp.ExchangeAsync(server.LocalEndPoint, RawHttp.UpgradeRequest(extraHeaders: padding), cancellationToken);

        Assert.That(response, Does.StartWith("HTTP/1.1 431 "));
    }

    [Test, CancelAfter(10_000)]
    public async Task Accept_ValidRawRequest_Answers101(CancellationToken cancellationToken)
    {
        await using var server = await WebSocketServer.StartAsync(new WebSocketServerOptions(), cancellationToken);
        using var client = new TcpClient();
        await client.ConnectAsync(server.LocalEndPoint, cancellationToken);
        var stream = client.GetStream();

        await stream.WriteAsync(Encoding.ASCII.GetBytes(RawHttp.UpgradeRequest()), cancellationToken);
        var buffer = new byte[1024];
        var head = new StringBuilder();
        while (!head.ToString().Contains("\r\n\r\n", StringComparison.Ordinal))
        {
            var read = await stream.ReadAsync(buffer, cancellationToken);
            Assert.That(read, Is.Positive, "the server closed before answering");
            head.Append(Encoding.ASCII.GetString(buffer, 0, read));
        }

        Assert.That(head.ToString(), Does.StartWith("HTTP/1.1 101 "));
        Assert.That(head.ToString(), Does.Contain("Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"));
    }

    [TestCase(null, 401, false)]
    [TestCase("Bearer wrong", 403, false)]
    [CancelAfter(10_000)]
    public async Task Accept_VerifyClientRejects_ClientSeesStatus(string? authorization, int expected, bool transient, CancellationToken cancellationToken)
    {
        var options = new WebSocketServerOptions
        {
            VerifyClient = (request, _) => ValueTask.FromResult(request.GetHeader("Authorization") switch
            {
                null => new HandshakeRejection(401, "who are you?"),
                "Bearer good" => null,
                _ => new HandshakeRejection(403, "not you"),
            }),
        };
        await using var server = await WebSocketServer.StartAsync(options, cancellationToken);
        var clientOptions = new WebSocketClientOptions();
        if (authorization is not null)
        {
            clientOptions.Headers["Authorization"] = authorization;
        }

        var error = await Assert.ThrowsAsync<HandshakeException>(async () => await WebSocketConnection.ConnectAsync(server.Url, clientOptions, cancellationToken));

        Assert.That(error?.StatusCode, Is.EqualTo(expected));
        Assert.That(error?.IsTransient, Is.EqualTo(transient));
    }

    [Test, CancelAfter(10_000)]
    public async Task Accept_VerifyClientThrows_Answers500AndServerKeepsAccepting(CancellationToken cancellationToken)
    {
        var calls = 0;
        var options = new WebSocketServerOptions
        {
            VerifyClient = (_, _) => Interlocked.Increment(ref calls) == 1
                ? throw new InvalidOperationException("hook bug")
                : ValueTask.FromResult<HandshakeRejection?>(null),
        };
        await using var server = await WebSocketServer.StartAsync(options, cancellationToken);

        var error = await Assert.ThrowsAsync<HandshakeException>(async () => await WebSocketConnection.ConnectAsync(server.Url, cancellationToken: cancellationToken));
        await using var next = await WebSocketConnection.ConnectAsync(server.Url, cancellationToken: cancellationToken);

        Assert.That(error?.StatusCode, Is.EqualTo(500));
        Assert.That(error?.IsTransient, Is.True);
        Assert.That(next.State, Is.EqualTo(ConnectionState.Open));
    }

    [Test, CancelAfter(10_000)]
    public async Task Accept_VerifyClientAccepts_RequestHeadersVisibleOnServer(CancellationToken cancellationToken)
    {
        var options = new WebSocketServerOptions
        {
            VerifyClient = (request, _) => ValueTask.FromResult(request.GetHeader("Authorization") == "Bearer good" ? null : new HandshakeRejection(401)),
        };
        await using var server = await WebSocketServer.StartAsync(options, cancellationToken);
        var accepted = InMemory.NextAsync(server.Connections, cancellationToken);
        var clientOptions = new WebSocketClientOptions { Headers = { ["Authorization"] = "Bearer good", ["X-Tenant"] = "blue" } };

        await using var client = await WebSocketConnection.ConnectAsync(server.Url, clientOptions, cancellationToken);
        var connection = await accepted;

        Assert.That(connection.Request?.GetHeader("X-Tenant"), Is.EqualTo("blue"));
        Assert.That(connection.Request?.GetHeader("authorization"), Is.EqualTo("Bearer good"));
    }

    [Test, CancelAfter(10_000)]
    public async Task Accept_OriginNotAllowed_Answers403(CancellationToken cancellationToken)
    {
        var options = new WebSocketServerOptions { AllowedOrigins = { "https://good.example" } };
        await using var server = await WebSocketServer.StartAsync(options, cancellationToken);

        var error = await Assert.ThrowsAsync<HandshakeException>(async () => await WebSocketConnection.ConnectAsync(
            server.Url, new WebSocketClientOptions { Origin = "https://evil.example" }, cancellationToken));
        await using var allowed = await WebSocketConnection.ConnectAsync(
            server.Url, new WebSocketClientOptions { Origin = "https://GOOD.example" }, cancellationToken);

        Assert.That(error?.StatusCode, Is.EqualTo(403));
        Assert.That(allowed.State, Is.EqualTo(ConnectionState.Open));
    }

    [Test, CancelAfter(10_000)]
    public async Task Accept_ServerSubProtocols_FirstClientOfferTheServerSpeaksWins(CancellationToken cancellationToken)
    {
        var options = new WebSocketServerOptions { SubProtocols = { "b.v1", "c.v1" } };
        await using var server = await WebSocketServer.StartAsync(options, cancellationToken);
        var accepted = InMemory.NextAsync(server.Connections, cancellationToken);

        await using var client = await WebSocketConnection.ConnectAsync(
            server.Url, new WebSocketClientOptions { SubProtocols = { "a.v1", "c.v1", "b.v1" } }, cancellationToken);
        var connection = await accepted;

        Assert.That(client.SubProtocol, Is.EqualTo("c.v1"));
        Assert.That(connection.SubProtocol, Is.EqualTo("c.v1"));
    }

    [Test, CancelAfter(10_000)]
    public async Task Accept_SelectSubProtocol_ItsChoiceIsUsedOnBothEnds(CancellationToken cancellationToken)
    {
        var options = new WebSocketServerOptions { SelectSubProtocol = offers => offers[^1] };
        await using var server = await WebSocketServer.StartAsync(options, cancellationToken);
        var accepted = InMemory.NextAsync(server.Connections, cancellationToken);

        await using var client = await WebSocketConnection.ConnectAsync(
            server.Url, new WebSocketClientOptions { SubProtocols = { "json", "msgpack" } }, cancellationToken);
        var connection = await accepted;

        Assert.That(client.SubProtocol, Is.EqualTo("msgpack"));
        Assert.That(connection.SubProtocol, Is.EqualTo("msgpack"));
    }

    [Test, CancelAfter(10_000)]
    public async Task Accept_NoCommonSubProtocol_ConnectsWithNone(CancellationToken cancellationToken)
    {
        await using var server = await WebSocketServer.StartAsync(new WebSocketServerOptions { SubProtocols = { "x" } }, cancellationToken);

        await using var client = await WebSocketConnection.ConnectAsync(
            server.Url, new WebSocketClientOptions { SubProtocols = { "y" } }, cancellationToken);

        Assert.That(client.SubProtocol, Is.Null);
    }

    [Test, CancelAfter(10_000)]
    public async Task Accept_BeyondMaxConnections_Answers503Transient(CancellationToken cancellationToken)
    {
        await using var server = await WebSocketServer.StartAsync(new WebSocketServerOptions { MaxConnections = 1 }, cancellationToken);
        await using var first = await WebSocketConnection.ConnectAsync(server.Url, cancellationToken: cancellationToken);

        var error = await Assert.ThrowsAsync<HandshakeException>(async () => await WebSocketConnection.ConnectAsync(server.Url, cancellationToken: cancellationToken));

        Assert.That(error?.StatusCode, Is.EqualTo(503));
        Assert.That(error?.IsTransient, Is.True);
        Assert.That(first.State, Is.EqualTo(ConnectionState.Open));
    }

    [Test, CancelAfter(10_000)]
    public async Task Accept_PlaceFreedAfterClose_AcceptsNextClient(CancellationToken cancellationToken)
    {
        await using var server = await WebSocketServer.StartAsync(new WebSocketServerOptions { MaxConnections = 1 }, cancellationToken);
        var first = await WebSocketConnection.ConnectAsync(server.Url, cancellationToken: cancellationToken);
        await first.CloseAsync(cancellationToken: cancellationToken);
        await Until.TrueAsync(() => server.ClientCount == 0, cancellationToken);

        await using var second = await WebSocketConnection.ConnectAsync(server.Url, cancellationToken: cancellationToken);

        Assert.That(second.State, Is.EqualTo(ConnectionState.Open));
    }

    [Test, CancelAfter(10_000)]
    public async Task Accept_SlowClientSendsNoRequest_Answered408AtHandshakeTimeout(CancellationToken cancellationToken)
    {
        var clock = new TestScheduler();
        await using var server = await WebSocketServer.StartAsync(new WebSocketServerOptions { Scheduler = clock }, cancellationToken);
        using var client = new TcpClient();
        await client.ConnectAsync(server.LocalEndPoint, cancellationToken);
        var reading = RawHttp.ReadToEndAsync(client.GetStream(), cancellationToken);
        var openBeforeTimeout = !reading.IsCompleted;

        // The server arms its timer when it accepts the socket; until then moving the clock does nothing. (The client
        // sends nothing: bytes the server never read would turn its close into a reset.)
        await Until.TrueAsync(() =>
        {
            clock.AdvanceBy(TimeSpan.FromSeconds(11));
            return reading.IsCompleted;
        }, cancellationToken);

        Assert.That(openBeforeTimeout, Is.True);
        Assert.That(await reading, Does.StartWith("HTTP/1.1 408 Request Timeout\r\n"));
        Assert.That(server.ClientCount, Is.Zero);
    }

    [Test, CancelAfter(10_000)]
    public async Task Accept_ClientStopsMidRequest_Answered408AtHandshakeTimeout(CancellationToken cancellationToken)
    {
        var clock = new TestScheduler();
        await using var server = await WebSocketServer.StartAsync(new WebSocketServerOptions { Scheduler = clock }, cancellationToken);
        using var client = new TcpClient();
        await client.ConnectAsync(server.LocalEndPoint, cancellationToken);
        await client.GetStream().WriteAsync(Encoding.ASCII.GetBytes("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n"), cancellationToken);
        var reading = RawHttp.ReadToEndAsync(client.GetStream(), cancellationToken);

        await Until.TrueAsync(() =>
        {
            clock.AdvanceBy(TimeSpan.FromSeconds(11));
            return reading.IsCompleted;
        }, cancellationToken);

        // Answered 408; a reset instead when the server had not read the partial request when its time ran out
        // (PendingHandshakeTests reads the answer in memory, where that cannot happen).
        object? outcome = reading.IsFaulted ? reading.Exception?.InnerException : await reading;
        Assert.That(outcome, Is.InstanceOf<IOException>().Or.StartsWith("HTTP/1.1 408 Request Timeout\r\n"));
        Assert.That(server.ClientCount, Is.Zero);
    }

    [Test, CancelAfter(10_000)]
    public async Task Accept_VerificationOutlastsHandshakeTimeout_HookCancelledAndSocketClosed(CancellationToken cancellationToken)
    {
        var clock = new TestScheduler();
        var entered = new TaskCompletionSource<CancellationToken>(TaskCreationOptions.RunContinuationsAsynchronously);
        var options = new WebSocketServerOptions
        {
            Scheduler = clock,
            VerifyClient = async (_, token) =>
            {
                entered.TrySetResult(token);
                await Task.Delay(Timeout.Infinite, token);
                return null;
            },
        };
        await using var server = await WebSocketServer.StartAsync(options, cancellationToken);
        using var client = new TcpClient();
        await client.ConnectAsync(server.LocalEndPoint, cancellationToken);
        await client.GetStream().WriteAsync(Encoding.ASCII.GetBytes(RawHttp.UpgradeRequest()), cancellationToken);
        var reading = RawHttp.ReadToEndAsync(client.GetStream(), cancellationToken);
        var hookToken = await entered.Task.WaitAsync(cancellationToken);   // the clock has not moved yet
        var cancelledBeforeTimeout = hookToken.IsCancellationRequested;

        await Until.TrueAsync(() =>
        {
            clock.AdvanceBy(TimeSpan.FromSeconds(11));
            return reading.IsCompleted;
        }, cancellationToken);

        Assert.That(cancelledBeforeTimeout, Is.False);
        Assert.That(hookToken.IsCancellationRequested, Is.True);
        Assert.That(await reading, Is.Empty);
        Assert.That(server.ClientCount, Is.Zero);
    }
}
