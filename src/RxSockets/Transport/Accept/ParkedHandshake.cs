using System.Net;
using RxSockets.Transport.Sockets;

namespace RxSockets.Transport.Accept;

/// <summary>
/// A handshake waiting for its request's bytes on a transport whose read takes a callback (<see cref="IReadWaitSource"/>):
/// what <see cref="ServerAcceptor"/> needs to go on once they arrive, in place of its state machine (a few references
/// instead of every local of the handshake). The callback runs the handshake again, which takes the read's result.
/// </summary>
internal sealed class ParkedHandshake(
    ServerAcceptor acceptor, ITransport transport, IPEndPoint? remote, IPAddress? address, IHandshakeOwner owner, HandshakeTimer timer,
    DateTimeOffset startedAt, CancellationToken cancellationToken)
{
    /// <summary>Goes on with the handshake of the <see cref="ParkedHandshake"/> it is given.</summary>
    public static readonly Action<object?> OnReadable = static state => ((ParkedHandshake)state!).Resume();

    public ITransport Transport => transport;

    public IPEndPoint? Remote => remote;

    public IPAddress? Address => address;

    public IHandshakeOwner Owner => owner;

    public HandshakeTimer Timer => timer;

    public DateTimeOffset StartedAt => startedAt;

    public CancellationToken CancellationToken => cancellationToken;

    // The handshake never fails its task (it handles every failure itself), and nobody awaits it.
    private void Resume() => _ = acceptor.ResumeAsync(this);
}
