using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Text;

namespace RxSockets.Interop.Tests.Support;

/// <summary>
/// A minimal WebSocket server on 127.0.0.1 and an ephemeral port, built on <see cref="TcpListener"/> and
/// <see cref="WebSocket.CreateFromStream(Stream, WebSocketCreationOptions)"/>, for driving the client peers.
/// The test accepts each connection itself, so there is no background loop. Not thread-safe.
/// </summary>
public sealed class LoopbackWebSocketServer : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly IReadOnlyList<string> _subProtocols;

    private LoopbackWebSocketServer(TcpListener listener, IReadOnlyList<string> subProtocols)
    {
        _listener = listener;
        _subProtocols = subProtocols;
    }

    /// <summary>Gets the port the server listens on.</summary>
    /// <value>Chosen by the OS.</value>
    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    /// <summary>Gets the server's WebSocket address.</summary>
    /// <value><c>ws://127.0.0.1:&lt;port&gt;/</c>.</value>
    public Uri Uri => new($"ws://127.0.0.1:{Port.ToString(CultureInfo.InvariantCulture)}/");

    /// <summary>Starts listening; the server selects the client's first offered protocol found in <paramref name="subProtocols"/>.</summary>
    public static LoopbackWebSocketServer Start(params IReadOnlyList<string> subProtocols)
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return new LoopbackWebSocketServer(listener, subProtocols);
    }

    /// <summary>Accepts one connection and completes its opening handshake.</summary>
    public async Task<LoopbackConnection> AcceptAsync(CancellationToken cancellationToken)
    {
        var client = await _listener.AcceptTcpClientAsync(cancellationToken);
        try
        {
            var stream = client.GetStream();
            var request = await UpgradeRequest.ReadAsync(stream, cancellationToken);
            var key = request.Headers.TryGetValue("Sec-WebSocket-Key", out var value)
                ? value
                : throw new InvalidDataException("The upgrade request has no Sec-WebSocket-Key.");
            var subProtocol = request.OfferedSubProtocols.FirstOrDefault(_subProtocols.Contains);

            var response = new StringBuilder()
                .Append("HTTP/1.1 101 Switching Protocols\r\n")
                .Append("Upgrade: websocket\r\n")
                .Append("Connection: Upgrade\r\n")
                .Append(CultureInfo.InvariantCulture, $"Sec-WebSocket-Accept: {UpgradeRequest.ComputeAccept(key)}\r\n");
            if (subProtocol is not null)
            {
                response.Append(CultureInfo.InvariantCulture, $"Sec-WebSocket-Protocol: {subProtocol}\r\n");
            }

            await stream.WriteAsync(Encoding.ASCII.GetBytes(response.Append("\r\n").ToString()), cancellationToken);
            var webSocket = WebSocket.CreateFromStream(stream, new WebSocketCreationOptions
            {
                IsServer = true,
                SubProtocol = subProtocol,
                KeepAliveInterval = Timeout.InfiniteTimeSpan,
            });
            return new LoopbackConnection(client, request, subProtocol, webSocket);
        }
        catch
        {
            client.Dispose();
            throw;
        }
    }

    /// <summary>Stops listening. Never throws.</summary>
    public ValueTask DisposeAsync()
    {
        _listener.Dispose();
        return ValueTask.CompletedTask;
    }
}
