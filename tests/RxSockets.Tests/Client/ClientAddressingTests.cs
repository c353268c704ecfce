using System.Net;
using System.Net.Sockets;
using Microsoft.Reactive.Testing;
using RxSockets.Tests.Support;

namespace RxSockets.Tests.Client;

public class ClientAddressingTests
{
    private static WebSocketClientOptions Direct() => new() { UseEnvironmentProxy = false };

    [Test, CancelAfter(10_000)]
    public async Task ConnectAsync_IPv6Literal_ConnectsAndSendsBracketedHost(CancellationToken cancellationToken)
    {
        await using var server = await WebSocketServer.StartAsync(new WebSocketServerOptions { Host = "::1" }, cancellationToken);
        var accepted = server.AcceptAllAsync(cancellationToken).GetAsyncEnumerator(cancellationToken);

        await using var client = await WebSocketConnection.ConnectAsync($"ws://[::1]:{server.LocalEndPoint.Port}/v6", Direct(), cancellationToken);
        await accepted.MoveNextAsync();

        Assert.That(((IPEndPoint?)client.RemoteEndPoint)?.Address, Is.EqualTo(IPAddress.IPv6Loopback));
        Assert.That(accepted.Current.Request?.Host, Is.EqualTo($"[::1]:{server.LocalEndPoint.Port}"));
        await accepted.DisposeAsync();
    }

    [Test, CancelAfter(10_000)]
    public async Task ConnectAsync_FirstResolvedAddressRefuses_TriesTheNext(CancellationToken cancellationToken)
    {
        await using var server = await WebSocketServer.StartAsync(new WebSocketServerOptions { Host = "127.0.0.1" }, cancellationToken);
        var resolved = new List<string>();
        var options = Direct();
        options.ResolveHost = (host, _) =>
        {
            resolved.Add(host);
            return Task.FromResult(new[] { IPAddress.IPv6Loopback, IPAddress.Loopback });   // nothing listens on ::1
        };

        await using var client = await WebSocketConnection.ConnectAsync($"ws://several.test:{server.LocalEndPoint.Port}/", options, cancellationToken);

        Assert.That(resolved, Is.EqualTo(new[] { "several.test" }));
        Assert.That(((IPEndPoint?)client.RemoteEndPoint)?.Address, Is.EqualTo(IPAddress.Loopback));
    }

    [Test, CancelAfter(10_000)]
    public async Task ConnectAsync_EveryResolvedAddressRefuses_ThrowsTheLastSocketError(CancellationToken cancellationToken)
    {
        var port = Ports.Closed(IPAddress.Loopback);
        var options = Direct();
        options.ResolveHost = (_, _) => Task.FromResult(new[] { IPAddress.IPv6Loopback, IPAddress.Loopback });

        var error = await Assert.ThrowsAsync<SocketException>(async () =>
            await WebSocketConnection.ConnectAsync($"ws://several.test:{port}/", options, cancellationToken));

        Assert.That(error?.SocketErrorCode, Is.EqualTo(SocketError.ConnectionRefused));
    }

    [Test, CancelAfter(10_000)]
    public async Task ConnectAsync_LocalhostWithServerOnIPv4Only_Connects(CancellationToken cancellationToken)
    {
        await using var server = await WebSocketServer.StartAsync(new WebSocketServerOptions { Host = "127.0.0.1" }, cancellationToken);

        await using var client = await WebSocketConnection.ConnectAsync($"ws://localhost:{server.LocalEndPoint.Port}/", Direct(), cancellationToken);

        Assert.That(client.State, Is.EqualTo(ConnectionState.Open));
    }

    [Test, CancelAfter(10_000)]
    public async Task ConnectAsync_ServerAcceptsButNeverAnswers_TimesOutWithTimeoutException(CancellationToken cancellationToken)
    {
        await using var silent = new ScriptedHttpServer(_ => null);
        var options = Direct();
        options.HandshakeTimeout = TimeSpan.FromMilliseconds(200);   // the timeout is what is under test

        var error = await Assert.ThrowsAsync<HandshakeException>(async () =>
            await WebSocketConnection.ConnectAsync(silent.Url(), options, cancellationToken));
        var request = await silent.NextRequestAsync(cancellationToken);

        Assert.That(error?.InnerException, Is.InstanceOf<TimeoutException>());
        Assert.That(error?.IsTransient, Is.True);
        Assert.That(request, Does.StartWith("GET / HTTP/1.1"));
    }

    [Test, CancelAfter(10_000)]
    public async Task ConnectAsync_Origin_SendsOriginHeader(CancellationToken cancellationToken)
    {
        await using var server = new ScriptedHttpServer(_ => "HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n");
        var options = Direct();
        options.Origin = "https://app.example.com";

        await Assert.ThrowsAsync<HandshakeException>(async () => await WebSocketConnection.ConnectAsync(server.Url(), options, cancellationToken));
        var request = await server.NextRequestAsync(cancellationToken);

        Assert.That(request, Does.Contain("\r\nOrigin: https://app.example.com"));
    }

    [Test, CancelAfter(10_000)]
    public async Task ConnectAsync_EnvironmentProxyUnreachable_IsUsedUnlessNoProxyListsHost(CancellationToken cancellationToken)
    {
        await using var server = await WebSocketServer.StartAsync(new WebSocketServerOptions(), cancellationToken);
        var deadProxy = $"http://127.0.0.1:{Ports.Closed(IPAddress.Loopback)}";
        var environment = new Dictionary<string, string> { ["HTTP_PROXY"] = deadProxy };
        var options = new WebSocketClientOptions { EnvironmentVariables = name => environment.GetValueOrDefault(name) };

        var throughProxy = await Assert.ThrowsAsync<SocketException>(async () => await WebSocketConnection.ConnectAsync(server.Url, options, cancellationToken));
        environment["NO_PROXY"] = "example.com,127.0.0.1";
        await using var bypassing = await WebSocketConnection.ConnectAsync(server.Url, options, cancellationToken);

        Assert.That(throughProxy?.SocketErrorCode, Is.EqualTo(SocketError.ConnectionRefused));
        Assert.That(bypassing.State, Is.EqualTo(ConnectionState.Open));
    }

    [Test, CancelAfter(5_000)]
    public async Task SkipUtf8Validation_InvalidUtf8Text_IsDeliveredInsteadOfClosing(CancellationToken cancellationToken)
    {
        var (connection, peer) = InMemory.Open(ConnectionRole.Client, new TestScheduler(), o => o.SkipUtf8Validation = true);

        await peer.SendFrameAsync(RxSockets.Protocol.Frames.Opcode.Text, [0x48, 0xFF, 0xFE], cancellationToken);
        var reader = connection.ReadAllAsync(cancellationToken).GetAsyncEnumerator(cancellationToken);
        await reader.MoveNextAsync();
        var message = reader.Current;
        await reader.DisposeAsync();
        var state = connection.State;
        connection.Abort();

        Assert.That(message.Type, Is.EqualTo(MessageType.Text));
        Assert.That(message.Data.ToArray(), Is.EqualTo(new byte[] { 0x48, 0xFF, 0xFE }));
        Assert.That(state, Is.EqualTo(ConnectionState.Open));
    }
}
