using System.Net;

namespace RxSockets.Transport.Accept;

/// <summary>
/// Who hears how a server handshake ended (the embedded server): told once, whatever happened, so that nobody needs to
/// await a task per accepted socket.
/// </summary>
internal interface IHandshakeOwner
{
    /// <summary>The handshake of a socket from <paramref name="address"/> ended: <paramref name="connection"/> is open,
    /// holding the connection place the handshake took for it, or null when the client was refused or the handshake
    /// failed (its socket is closed then, and any place it took given back).</summary>
    void OnHandshakeEnded(WebSocketConnection? connection, IPAddress? address);
}
