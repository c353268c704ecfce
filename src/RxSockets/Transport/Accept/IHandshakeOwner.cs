using System.Net;
using RxSockets.Transport.Accept;

namespace RxSockets.Transport.Accept;

/// <summary>
/// Who hears how a server handshake ended (the embedded server): told once, whatever happened, so that nobody needs to
/// await a task per accepted socket.
/// </summary>
internal interface IHandshakeOwner
{
    /// <summary>The handshake of a socket from <paramref name="address"/> ended: <paramref name="accepted"/> holds the
    /// upgraded transport and what the handshake settled, for the owner to build the connection on (it owns the
    /// transport from now on, and the connection place the handshake took for it), or is null when the client was
    /// refused or the handshake failed (its socket is closed then, and any place it took given back).</summary>
    void OnHandshakeEnded(AcceptedTransport? accepted, IPAddress? address);
}
