using System.IO.Pipelines;
using RxSockets.Transport;
using RxSockets.Transport.Sockets;

namespace RxSockets;

/// <summary>Detached (noServer) mode: the host reads each upgrade request and hands it in; the server decides, and
/// builds the connection on the upgraded stream.</summary>
public sealed partial class WebSocketServer
{
    /// <summary>Checks an upgrade request the host read (protocol rules, path, origin, the connection limits and
    /// <see cref="WebSocketServerOptions.VerifyClient"/>), for a host that writes the answer itself: the refusal, or
    /// the 101's headers, after which the host calls <see cref="Accept"/> with the upgraded stream.</summary>
    /// <param name="request">The request, from <see cref="HandshakeRequest.Create"/>.</param>
    /// <param name="cancellationToken">Cancels the verification hook.</param>
    /// <returns>The answer; dispose it if the upgrade cannot be completed.</returns>
    public async ValueTask<WebSocketUpgrade> NegotiateAsync(HandshakeRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var decided = await _negotiator.NegotiateAsync(request, _stopping.IsCancellationRequested, cancellationToken).ConfigureAwait(false);
        if (decided.Rejection is { } rejection)
        {
            return WebSocketUpgrade.Refuse(rejection);
        }

        var address = decided.Address;
        return WebSocketUpgrade.Accept(decided.Request!, decided.AcceptKey!, decided.SubProtocol, decided.Deflate, address,
            () => _admission.Leave(address), decided.ExtraHeaders);   // accepted decisions carry request and key
    }

    /// <summary>Runs the WebSocket protocol over a transport the host has upgraded, after it sent the 101 answer
    /// with <see cref="WebSocketUpgrade.ResponseHeaders"/>. The connection joins <see cref="Clients"/> and is
    /// published on <see cref="Connections"/>.</summary>
    /// <param name="upgrade">An accepted answer of <see cref="NegotiateAsync"/>, used once.</param>
    /// <param name="transport">The upgraded byte stream; the connection completes it when it ends.</param>
    /// <returns>The open connection.</returns>
    /// <exception cref="InvalidOperationException">The upgrade was refused, disposed or already used.</exception>
    public WebSocketConnection Accept(WebSocketUpgrade upgrade, IDuplexPipe transport)
    {
        ArgumentNullException.ThrowIfNull(upgrade);
        ArgumentNullException.ThrowIfNull(transport);
        if (!upgrade.TryConsume())
        {
            throw new InvalidOperationException("The upgrade was refused, disposed or already accepted.");
        }

        var request = upgrade.Request!;   // accepted upgrades carry their request
        var info = new ConnectionInfo(_detachedUrls.For(request), upgrade.SubProtocol, upgrade.Deflate?.Extension, request, request.RemoteEndPoint, upgrade.Deflate);
        var connection = new WebSocketConnection(new PipeTransport(transport), ConnectionRole.Server, _options, info);
        Register(connection, upgrade.Address);
        if (_stopping.IsCancellationRequested)
        {
            // Stopped while the host was upgrading: the shutdown's snapshot may have missed this one.
            _ = CloseGoingAwayAsync(connection);
        }

        return connection;
    }

    /// <summary>Accepts an upgrade request the host read, writing the answer itself onto <paramref name="transport"/>
    /// (node ws's <c>handleUpgrade</c>): the 101 and then the WebSocket, or the refusal, after which the transport is
    /// completed.</summary>
    /// <param name="request">The request, from <see cref="HandshakeRequest.Create"/>.</param>
    /// <param name="transport">The raw byte stream the request arrived on, positioned after the request head.</param>
    /// <param name="cancellationToken">Cancels the handshake.</param>
    /// <returns>The open connection, or null when the request was refused.</returns>
    public async ValueTask<WebSocketConnection?> AcceptAsync(HandshakeRequest request, IDuplexPipe transport, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(transport);
        using var upgrade = await NegotiateAsync(request, cancellationToken).ConfigureAwait(false);
        if (upgrade.Rejection is { } rejection)
        {
            Protocol.Handshake.ServerHandshake.WriteRejection(transport.Output, rejection);
            await transport.Output.FlushAsync(cancellationToken).ConfigureAwait(false);
            await transport.Output.CompleteAsync().ConfigureAwait(false);
            await transport.Input.CompleteAsync().ConfigureAwait(false);
            return null;
        }

        var key = upgrade.ResponseHeaders["Sec-WebSocket-Accept"];
        Protocol.Handshake.ServerHandshake.WriteAccept(transport.Output, key, upgrade.SubProtocol, upgrade.Deflate?.Extension, upgrade.ExtraHeaders);
        await transport.Output.FlushAsync(cancellationToken).ConfigureAwait(false);
        return Accept(upgrade, transport);
    }
}
