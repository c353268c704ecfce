using System.Text;
using RxSockets.Protocol;
using RxSockets.Protocol.Frames;
using RxSockets.Tests.Support;

namespace RxSockets.Tests.Server;

/// <summary>Bad input of every kind, in a row, against one server: each is answered with its status or close code,
/// the server keeps serving, and no socket is left open afterwards.</summary>
public class BadInputTests
{
    [Test, CancelAfter(30_000)]
    public async Task Server_BadHandshakesAndProtocolViolations_AnswersEachAndLeaksNoSocket(CancellationToken cancellationToken)
    {
        await using var server = await WebSocketServer.StartAsync(new WebSocketServerOptions { MaxMessageSize = 1024 }, cancellationToken);
        using var echo = server.Connections.Subscribe(connection => _ = EchoAsync(connection));
        await AssertEchoWorksAsync(server, cancellationToken);   // warms the socket engine before counting
        var baseline = OpenDescriptors();

        for (var round = 0; round < 5; round++)
        {
            Assert.That(await RawHttp.ExchangeAsync(server.LocalEndPoint, "\x16\x03\x01 garbage, not HTTP\r\n\r\n", cancellationToken), Does.StartWith("HTTP/1.1 400 "));
            Assert.That(await RawHttp.ExchangeAsync(server.LocalEndPoint, RawHttp.UpgradeRequest(version: "12"), cancellationToken), Does.StartWith("HTTP/1.1 426 "));
            Assert.That(await RawHttp.ExchangeAsync(server.LocalEndPoint, RawHttp.UpgradeRequest(extraHeaders: $"X-Big: {new string('a', 20_000)}\r\n"), cancellationToken), Does.StartWith("HTTP/1.1 431 "));
            Assert.That(await ViolateAsync(server, peer => peer.WriteAsync(UnmaskedText(), cancellationToken), cancellationToken), Is.EqualTo(CloseCode.ProtocolError));
            Assert.That(await ViolateAsync(server, peer => peer.SendFrameAsync(Opcode.Text, [0xC3, 0x28], cancellationToken), cancellationToken), Is.EqualTo(CloseCode.InvalidPayloadData));
            Assert.That(await ViolateAsync(server, peer => peer.SendBinaryAsync(new byte[2048], cancellationToken), cancellationToken), Is.EqualTo(CloseCode.MessageTooBig));
        }

        await AssertEchoWorksAsync(server, cancellationToken);

        // A leaked socket keeps its descriptor: the count would never come back and the test time out.
        await Until.TrueAsync(() => server.ClientCount == 0 && OpenDescriptors() <= baseline, cancellationToken);
    }

    private static byte[] UnmaskedText() => [0x81, 0x02, (byte)'h', (byte)'i'];

    private static async Task<CloseCode?> ViolateAsync(WebSocketServer server, Func<RawPeer, Task> violate, CancellationToken cancellationToken)
    {
        var (client, peer) = await RawHttp.UpgradeAsync(server.LocalEndPoint, cancellationToken);
        using (client)
        {
            await violate(peer);
            var status = await peer.ExpectCloseAsync(cancellationToken);
            await peer.ExpectEndAsync(cancellationToken);
            return status?.Code;
        }
    }

    private static async Task AssertEchoWorksAsync(WebSocketServer server, CancellationToken cancellationToken)
    {
        await using var client = await WebSocketConnection.ConnectAsync(server.Url, cancellationToken: cancellationToken);
        await client.SendAsync("still serving", cancellationToken);
        await foreach (var message in client.ReadAllAsync(cancellationToken))
        {
            Assert.That(message.GetText(), Is.EqualTo("still serving"));
            break;
        }

        await client.CloseAsync(cancellationToken: cancellationToken);
    }

    private static async Task EchoAsync(WebSocketConnection connection)
    {
        try
        {
            await foreach (var message in connection.ReadAllAsync())
            {
                await connection.SendAsync(message);
            }
        }
        catch (ConnectionClosedException)
        {
            // The violations end their connections abnormally: that is the point of the test.
        }
    }

    private static int OpenDescriptors() => Directory.GetFiles("/proc/self/fd").Length;
}
