using System.Net;
using System.Net.Sockets;
using System.Text;
using RxSockets.Protocol.Handshake;

namespace RxSockets.Tests.Server;

/// <summary>The client's side of the permessage-deflate negotiation against a scripted server.</summary>
public class DeflateHandshakeTests
{
    [TestCase("permessage-deflate; client_max_window_bits")]
    [TestCase("permessage-deflate; client_max_window_bits=7")]
    [TestCase("permessage-deflate; server_max_window_bits=20")]
    [TestCase("permessage-deflate; unknown=1")]
    [TestCase("permessage-deflate, permessage-deflate")]
    [TestCase("x-unknown-extension")]
    [CancelAfter(10_000)]
    public async Task ConnectAsync_InvalidOrUnofferedDeflateAnswer_FailsHandshake(string answer, CancellationToken cancellationToken)
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var serving = AnswerOnceAsync(listener, answer, cancellationToken);
        var url = new Uri($"ws://127.0.0.1:{((IPEndPoint)listener.LocalEndpoint).Port}/");
        var options = new WebSocketClientOptions { PerMessageDeflate = new PerMessageDeflateOptions() };

        var error = await Assert.ThrowsAsync<HandshakeException>(async () => await WebSocketConnection.ConnectAsync(url, options, cancellationToken));

        var request = await serving;
        Assert.That(request, Does.Contain("Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n"));
        Assert.That(error?.IsTransient, Is.False);
        Assert.That(error?.Message, Does.Contain("handshake failed"));
    }

    [TestCase(12, "permessage-deflate; server_max_window_bits=11; client_max_window_bits=13", "client_max_window_bits=13, larger than the 12 we offered")]
    [TestCase(null, "permessage-deflate; server_max_window_bits=11; server_max_window_bits=11", "server_max_window_bits")]
    [CancelAfter(10_000)]
    public async Task ConnectAsync_AnswerViolatesOurWindowOffer_FailsHandshakeSayingWhy(int? clientBits, string answer, string reason, CancellationToken cancellationToken)
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var serving = AnswerOnceAsync(listener, answer, cancellationToken);
        var url = new Uri($"ws://127.0.0.1:{((IPEndPoint)listener.LocalEndpoint).Port}/");
        var options = new WebSocketClientOptions { PerMessageDeflate = new PerMessageDeflateOptions { ClientMaxWindowBits = clientBits, ServerMaxWindowBits = 11 } };

        var error = await Assert.ThrowsAsync<HandshakeException>(async () => await WebSocketConnection.ConnectAsync(url, options, cancellationToken));

        var request = await serving;
        var offered = "permessage-deflate; server_max_window_bits=11; client_max_window_bits" + (clientBits is null ? "" : $"={clientBits}");
        Assert.That(request, Does.Contain($"Sec-WebSocket-Extensions: {offered}\r\n"));
        Assert.That(error?.Message, Does.Contain(reason));
    }

    [Test, CancelAfter(10_000)]
    public async Task ConnectAsync_ServerAnswersDeflateWithoutOffer_FailsHandshake(CancellationToken cancellationToken)
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var serving = AnswerOnceAsync(listener, "permessage-deflate", cancellationToken);
        var url = new Uri($"ws://127.0.0.1:{((IPEndPoint)listener.LocalEndpoint).Port}/");

        var error = await Assert.ThrowsAsync<HandshakeException>(async () => await WebSocketConnection.ConnectAsync(url, cancellationToken: cancellationToken));

        var request = await serving;
        Assert.That(request, Does.Not.Contain("Sec-WebSocket-Extensions"));
        Assert.That(error?.Message, Does.Contain("did not offer"));
    }

    /// <summary>Reads one upgrade request and answers 101 with <paramref name="extensions"/>; returns the request.</summary>
    private static async Task<string> AnswerOnceAsync(TcpListener listener, string extensions, CancellationToken cancellationToken)
    {
        using var client = await listener.AcceptTcpClientAsync(cancellationToken);
        var stream = client.GetStream();
        var request = new StringBuilder();
        var buffer = new byte[4096];
        while (!request.ToString().Contains("\r\n\r\n", StringComparison.Ordinal))
        {
            var read = await stream.ReadAsync(buffer, cancellationToken);
            if (read == 0)
            {
                break;
            }

            request.Append(Encoding.ASCII.GetString(buffer, 0, read));
        }

        var key = request.ToString().Split("\r\n").First(l => l.StartsWith("Sec-WebSocket-Key:", StringComparison.OrdinalIgnoreCase))[18..].Trim();
        var response = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            + $"Sec-WebSocket-Accept: {AcceptKey.Compute(key)}\r\nSec-WebSocket-Extensions: {extensions}\r\n\r\n";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(response), cancellationToken);
        // Wait for the client to give up, so the answer is read before the socket closes.
        while (await stream.ReadAsync(buffer, cancellationToken) > 0)
        {
        }

        return request.ToString();
    }
}
