using System.Net;

namespace RxSockets.Transport;

/// <summary>
/// Who hears how a server handshake ended (the embedded server): told once, whatever happened, so that nobody needs to
/// await a task per accepted socket.
/// </summary>
internal interface IHandshakeOwner
{
    /// <summary>The handshake of a socket from <paramref name="address"/> ended: <paramref name="connection"/> is open, or
    /// null when the client was refused or the handshake failed (its socket is closed then).</summary>
    /// <param name="refusal">The admission refusal the handshake was started with, if any.</param>
    void OnHandshakeEnded(WebSocketConnection? connection, IPAddress? address, HandshakeRejection? refusal);
}
