using System.Net;
using RxSockets.Transport;
using RxSockets.Transport.Connect;

namespace RxSockets.Tests.Transport.Connect;

/// <summary>The connector hands the surface a transport and what the handshake settled; it builds no connection.</summary>
public class ClientConnectorHandoffTests
{
    [Test, CancelAfter(10_000)]
    public async Task ConnectAsync_ServerAccepts_ReturnsTheTransportAndWhatTheHandshakeSettled(CancellationToken cancellationToken)
    {
        await using var server = await WebSocketServer.StartAsync(
            new WebSocketServerOptions { Host = "127.0.0.1", SubProtocols = { "chat.v1" }, PerMessageDeflate = new PerMessageDeflateOptions() },
            cancellationToken);
        var url = server.Url;
        var options = new WebSocketClientOptions
        {
            UseEnvironmentProxy = false, SubProtocols = { "chat.v1" }, PerMessageDeflate = new PerMessageDeflateOptions(),
        }.ValidatedCopy();

        var (transport, info) = await ClientConnector.ConnectAsync(url, options.ToConnectSettings(), cancellationToken);
        await transport.CloseAsync(shutdownFirst: false);

        Assert.That(info.Url, Is.EqualTo(url));
        Assert.That(info.SubProtocol, Is.EqualTo("chat.v1"));
        Assert.That(info.Extensions, Does.StartWith("permessage-deflate"));
        Assert.That(info.Deflate?.Extension, Is.EqualTo(info.Extensions));
        Assert.That(info.RemoteEndPoint, Is.EqualTo(new IPEndPoint(IPAddress.Loopback, server.LocalEndPoint.Port)));
        Assert.That(info.ResponseHeaders?["Upgrade"], Is.EqualTo("websocket").IgnoreCase);
        Assert.That(info.Request, Is.Null, "a client has no request of its own to show");
    }
}
