using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace RxSockets.Tests.Support;

/// <summary>Hand-written HTTP over a raw <see cref="TcpClient"/>, for requests no well-behaved client would send.</summary>
internal static class RawHttp
{
    /// <summary>A valid upgrade request head for <paramref name="path"/>, with <paramref name="extraHeaders"/> lines
    /// (each ending in CRLF) before the blank line.</summary>
    public static string UpgradeRequest(string path = "/", string version = "13", string extraHeaders = "") =>
        $"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
        $"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: {version}\r\n{extraHeaders}\r\n";

    /// <summary>Sends <paramref name="request"/> and reads until the server closes the connection.</summary>
    public static async Task<string> ExchangeAsync(IPEndPoint server, string request, CancellationToken cancellationToken)
    {
        using var client = new TcpClient();
        await client.ConnectAsync(server, cancellationToken);
        var stream = client.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes(request), cancellationToken);
        return await ReadToEndAsync(stream, cancellationToken);
    }

    /// <summary>Reads until end of stream.</summary>
    public static async Task<string> ReadToEndAsync(Stream stream, CancellationToken cancellationToken)
    {
        using var received = new MemoryStream();
        await stream.CopyToAsync(received, cancellationToken);
        return Encoding.ASCII.GetString(received.ToArray());
    }

    /// <summary>Upgrades a raw TCP connection by hand and returns a <see cref="RawPeer"/> playing the client over it.</summary>
    public static async Task<(TcpClient Client, RawPeer Peer)> UpgradeAsync(IPEndPoint server, CancellationToken cancellationToken)
    {
        var client = new TcpClient();
        await client.ConnectAsync(server, cancellationToken);
        var stream = client.GetStream();
        var pipe = new DuplexPipe(PipeReader.Create(stream), PipeWriter.Create(stream));
        await pipe.Output.WriteAsync(Encoding.ASCII.GetBytes(UpgradeRequest()), cancellationToken);
        while (true)
        {
            var result = await pipe.Input.ReadAsync(cancellationToken);
            var text = Encoding.ASCII.GetString(result.Buffer.ToArray());
            var headEnd = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
            if (headEnd >= 0)
            {
                Assert.That(text, Does.StartWith("HTTP/1.1 101 "));
                pipe.Input.AdvanceTo(result.Buffer.GetPosition(headEnd + 4));
                return (client, RawPeer.Client(pipe));
            }

            Assert.That(result.IsCompleted, Is.False, "the server closed before answering");
            pipe.Input.AdvanceTo(result.Buffer.Start, result.Buffer.End);
        }
    }
}
