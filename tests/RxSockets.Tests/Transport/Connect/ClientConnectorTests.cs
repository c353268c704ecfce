using System.Net;
using System.Net.Sockets;

using RxSockets.Tests.Support;

namespace RxSockets.Tests.Transport.Connect;

public class ClientConnectorTests
{
    [Test, CancelAfter(10_000)]
    public async Task ConnectAsync_NothingListening_ThrowsSocketException(CancellationToken cancellationToken)
    {
        var port = Ports.Closed(IPAddress.Loopback);

        var error = await Assert.ThrowsAsync<SocketException>(async () =>
            await WebSocketConnection.ConnectAsync(new Uri($"ws://127.0.0.1:{port}/"), cancellationToken: cancellationToken));

        Assert.That(error?.SocketErrorCode, Is.EqualTo(SocketError.ConnectionRefused));
    }

    [Test]
    public async Task ConnectAsync_HttpUrl_ThrowsArgumentExceptionMentioningWs()
    {
        var error = await Assert.ThrowsAsync<ArgumentException>(async () => await WebSocketConnection.ConnectAsync("http://127.0.0.1:1/"));

        Assert.That(error?.Message, Does.Contain("ws://"));
    }
}
