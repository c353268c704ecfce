using System.Net.Sockets;
using System.Net.WebSockets;

namespace RxSockets.Interop.Tests.Support;

/// <summary>One accepted connection of <see cref="LoopbackWebSocketServer"/>. Not thread-safe, like the socket.</summary>
public sealed class LoopbackConnection : IAsyncDisposable
{
    private readonly TcpClient _client;

    internal LoopbackConnection(TcpClient client, UpgradeRequest request, string? subProtocol, WebSocket webSocket)
    {
        _client = client;
        Request = request;
        SubProtocol = subProtocol;
        WebSocket = webSocket;
    }

    /// <summary>Gets the opening handshake the client sent.</summary>
    /// <value>Target and headers.</value>
    public UpgradeRequest Request { get; }

    /// <summary>Gets the subprotocol the server selected.</summary>
    /// <value>Null when none was selected.</value>
    public string? SubProtocol { get; }

    /// <summary>Gets the server-side BCL WebSocket.</summary>
    /// <value>Open after the handshake.</value>
    public WebSocket WebSocket { get; }

    /// <summary>Aborts the socket and closes the TCP connection. Never throws.</summary>
    public ValueTask DisposeAsync()
    {
        WebSocket.Abort();
        WebSocket.Dispose();
        _client.Dispose();
        return ValueTask.CompletedTask;
    }
}
