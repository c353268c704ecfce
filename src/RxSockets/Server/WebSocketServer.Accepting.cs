using System.Net;
using System.Net.Sockets;
using RxSockets.Server;
using RxSockets.Transport;
using RxSockets.Transport.Accept;
using RxSockets.Transport.Sockets;

namespace RxSockets;

/// <summary>Accepting: the accept loop, and what becomes of each handshake that ended (the connection is built here, on
/// the transport the accept path hands up, then registered and published, or given to resumption or messaging).</summary>
public sealed partial class WebSocketServer
{
    private async Task AcceptLoopAsync(Listener listener)
    {
        await Task.Yield();
        while (!_stopping.IsCancellationRequested)
        {
            AcceptedSocket socket;
            try
            {
                socket = await listener.AcceptAsync(_stopping.Token).ConfigureAwait(false);
            }
            catch (Exception) when (_stopping.IsCancellationRequested)
            {
                return;
            }
            catch (SocketException error)
            {
                Diagnostics.Log.AcceptFailed(_logger, error);
                continue;
            }

            // Counted rather than kept in a collection, and reported back rather than awaited: a handshake costs no
            // bookkeeping object and one async method. It takes a connection place only once its request has arrived.
            Interlocked.Increment(ref _handshakes);
            _ = _acceptor.AcceptAsync(socket, Admission.AddressOf(socket.RemoteEndPoint), this, _stopping.Token);
        }
    }

    void IHandshakeOwner.OnHandshakeEnded(AcceptedTransport? accepted, IPAddress? address)
    {
        var connection = accepted is { } opened ? Open(opened, address) : null;
        if (connection is not null && _resume.Owns(connection))
        {
            _ = ResumeAsync(connection, address);   // counted as a handshake until the session took it
            return;
        }

        try
        {
            if (connection is not null)
            {
                Register(connection, address);
            }
        }
        finally
        {
            HandshakeDone();
        }
    }

    /// <summary>Builds the connection on the transport a handshake upgraded; null when that fails (a bug rather than
    /// the client's doing: logged and reported as a failed handshake, the transport closed and its place given back,
    /// as the accept path does for its own failures).</summary>
    private WebSocketConnection? Open(AcceptedTransport accepted, IPAddress? address)
    {
        try
        {
            return new WebSocketConnection(accepted.Transport, ConnectionRole.Server, _options, accepted.Info);
        }
#pragma warning disable CA1031 // Nobody awaits a handshake: every failure is logged here and closes the socket.
        catch (Exception error)
#pragma warning restore CA1031
        {
            Diagnostics.Log.AcceptFailed(_logger, error);
            _failures.Failed(accepted.Info.RemoteEndPoint, null, error);
            _admission.Leave(address);
            _ = accepted.Transport.CloseAsync(shutdownFirst: false).AsTask();
            return null;
        }
    }

    private async Task ResumeAsync(WebSocketConnection connection, IPAddress? address)
    {
        try
        {
            Diagnostics.Log.Accepted(_logger, connection.Id, connection.RemoteEndPoint);
            _registry.Add(connection, address);
            await _resume.AcceptAsync(connection, _stopping.Token).ConfigureAwait(false);
        }
#pragma warning disable CA1031 // Nobody awaits a handshake: an unexpected failure is logged instead of lost.
        catch (Exception error)
#pragma warning restore CA1031
        {
            Diagnostics.Log.HandshakeFailed(_logger, connection.RemoteEndPoint, error);
        }
        finally
        {
            HandshakeDone();
        }
    }

    private void HandshakeDone()
    {
        if (Interlocked.Decrement(ref _handshakes) == 0)
        {
            _handshakesDone.TrySetResult();
        }
    }

    private void Register(WebSocketConnection connection, IPAddress? address)
    {
        Diagnostics.Log.Accepted(_logger, connection.Id, connection.RemoteEndPoint);
        _registry.Add(connection, address);
        if (_messaging.Owns(connection))
        {
            _messaging.Start(connection);
            return;
        }

        _accepted.Writer.TryWrite(connection);
    }
}
