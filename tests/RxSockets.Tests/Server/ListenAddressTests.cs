using System.Net;
using System.Net.Sockets;
using System.Text;
using RxSockets.Tests.Support;

namespace RxSockets.Tests.Server;

public class ListenAddressTests
{
    [Test, CancelAfter(10_000)]
    public async Task StartAsync_HostIpv6Loopback_ClientConnectsOverIpv6(CancellationToken cancellationToken)
    {
        await using var server = await WebSocketServer.StartAsync(new WebSocketServerOptions { Host = "::1" }, cancellationToken);
        var accepted = InMemory.NextAsync(server.Connections, cancellationToken);

        await using var client = await WebSocketConnection.ConnectAsync(server.Url, cancellationToken: cancellationToken);
        var connection = await accepted;

        Assert.That(server.Url.Host, Is.EqualTo("[::1]"));
        Assert.That(server.LocalEndPoint.Address, Is.EqualTo(IPAddress.IPv6Loopback));
        Assert.That((connection.RemoteEndPoint as IPEndPoint)?.Address, Is.EqualTo(IPAddress.IPv6Loopback));
    }

    [Test, CancelAfter(10_000)]
    public async Task StartAsync_HostIpv6Any_AcceptsIpv4AndIpv6Clients(CancellationToken cancellationToken)
    {
        await using var server = await WebSocketServer.StartAsync(new WebSocketServerOptions { Host = "::" }, cancellationToken);
        var port = server.LocalEndPoint.Port;

        await using var overIpv4 = await WebSocketConnection.ConnectAsync(new Uri($"ws://127.0.0.1:{port}/"), cancellationToken: cancellationToken);
        await using var overIpv6 = await WebSocketConnection.ConnectAsync(new Uri($"ws://[::1]:{port}/"), cancellationToken: cancellationToken);
        await Until.TrueAsync(() => server.ClientCount == 2, cancellationToken);
        var remotes = server.Clients.Select(c => (c.RemoteEndPoint as IPEndPoint)?.Address).ToList();

        Assert.That(remotes, Has.Some.Matches<IPAddress?>(a => a is not null && a.IsIPv4MappedToIPv6 && a.MapToIPv4().Equals(IPAddress.Loopback)));
        Assert.That(remotes, Has.Some.EqualTo(IPAddress.IPv6Loopback));
    }

    [Test, CancelAfter(10_000)]
    public async Task StartAsync_BacklogZero_ThrowsNamingBacklog(CancellationToken cancellationToken)
    {
        var options = new WebSocketServerOptions { Backlog = 0 };

        var error = await Assert.ThrowsAsync<ArgumentException>(async () => await WebSocketServer.StartAsync(options, cancellationToken));

        Assert.That(error?.ParamName, Is.EqualTo(nameof(WebSocketServerOptions.Backlog)));
    }

    [Test, CancelAfter(10_000)]
    public async Task Accept_Version8_Answers101AndConnects(CancellationToken cancellationToken)
    {
        await using var server = await WebSocketServer.StartAsync(new WebSocketServerOptions(), cancellationToken);
        var accepted = InMemory.NextAsync(server.Connections, cancellationToken);
        using var client = new TcpClient();
        await client.ConnectAsync(server.LocalEndPoint, cancellationToken);
        var stream = client.GetStream();

        await stream.WriteAsync(Encoding.ASCII.GetBytes(RawHttp.UpgradeRequest(version: "8")), cancellationToken);
        var head = await ReadHeadAsync(stream, cancellationToken);
        var connection = await accepted;
        await connection.SendAsync("v8", cancellationToken);
        var frame = new byte[4];
        await stream.ReadExactlyAsync(frame, cancellationToken);

        Assert.That(head, Does.StartWith("HTTP/1.1 101 "));
        Assert.That(head, Does.Contain("Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"));
        Assert.That(frame, Is.EqualTo(new byte[] { 0x81, 0x02, (byte)'v', (byte)'8' }), "the same RFC 6455 framing");
    }

    private static async Task<string> ReadHeadAsync(NetworkStream stream, CancellationToken cancellationToken)
    {
        var head = new StringBuilder();
        var one = new byte[1];
        while (!head.ToString().EndsWith("\r\n\r\n", StringComparison.Ordinal))
        {
            await stream.ReadExactlyAsync(one, cancellationToken);
            head.Append((char)one[0]);
        }

        return head.ToString();
    }
}
