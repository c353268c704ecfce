using System.IO.Pipelines;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using Microsoft.Extensions.Logging;
using RxSockets.Protocol.Deflate;
using RxSockets.Protocol.Handshake;

namespace RxSockets.Transport;

/// <summary>
/// The server side of one accepted socket: reads the upgrade request (bounded in size and time), validates it,
/// asks the verification hook, then answers 101 and hands over a connection, or answers the refusal and closes.
/// With <paramref name="tls"/>, the TLS handshake comes first, within the same handshake timeout.
/// Thread-safe: one instance serves every accepted socket.
/// </summary>
internal sealed class ServerAcceptor(WebSocketServerOptions options, ILogger logger, ServerTls? tls = null)
{
    private readonly ServerHandshake _handshake = new(options.Path, options.AllowedOrigins, options.SubProtocols, Resumption.ResumeProtocol.ServerSelector(options));

    /// <summary>Runs the handshake on an accepted connection.</summary>
    /// <param name="refusal">Set when the server's admission limits refuse this client (503 at the connection limit,
    /// 429 at the per-address limit): a valid request is answered with it.</param>
    /// <returns>The open connection, or null when the request was refused or failed (the socket is closed then).</returns>
    public Task<WebSocketConnection?> AcceptAsync(AcceptedSocket accepted, HandshakeRejection? refusal, CancellationToken cancellationToken)
    {
        if (accepted.Epoll is { } epoll)
        {
            return AcceptAsync(epoll, null, epoll.RemoteEndPoint, refusal, cancellationToken);
        }

        var socket = accepted.Socket!;
        Stream stream = new NetworkStream(socket, ownsSocket: false);
        stream = tls is null ? stream : ServerTls.Wrap(stream);
        return AcceptAsync(new SocketTransport(socket, stream), stream as SslStream, SocketTransport.PeerOf(socket), refusal, cancellationToken);
    }

    private async Task<WebSocketConnection?> AcceptAsync(ITransport transport, SslStream? ssl, IPEndPoint? remote, HandshakeRejection? refusal, CancellationToken cancellationToken)
    {
        using var deadline = new HandshakeDeadline(options, cancellationToken);
        try
        {
            if (ssl is not null)
            {
                await tls!.AuthenticateAsync(ssl, deadline.Token).ConfigureAwait(false);   // wrapped only when tls is set
            }

            var (request, rejection) = await ReadRequestAsync(transport.Input, remote, deadline.Token).ConfigureAwait(false);
            if (request is null && rejection is null)
            {
                // The client left before finishing its request: nobody to answer.
                await transport.CloseAsync(shutdownFirst: false).ConfigureAwait(false);
                return null;
            }

            rejection ??= refusal;

            if (rejection is null && options.VerifyClient is { } verify)
            {
                rejection = await ClientVerification.RunAsync(verify, request!.Request!, logger, deadline.Token).ConfigureAwait(false);   // no rejection: accepted, Request set
            }

            if (rejection is not null)
            {
                Diagnostics.Log.HandshakeRejected(logger, remote, rejection.StatusCode, rejection.Reason ?? "");
                ServerHandshake.WriteRejection(transport.Output, rejection);
                await transport.Output.FlushAsync(deadline.Token).ConfigureAwait(false);
                transport.ShutdownOutput();
                await transport.Input.DrainAsync(deadline.Token).ConfigureAwait(false);   // bounded by the handshake timeout
                await transport.CloseAsync(shutdownFirst: false).ConfigureAwait(false);
                return null;
            }

            var deflate = options.PerMessageDeflate is { } offered ? DeflateNegotiation.SelectOffer(request!.Request!.Extensions, offered) : null;
            ServerHandshake.WriteAccept(transport.Output, request!.AcceptKey!, request.SubProtocol, deflate?.Extension);
            await transport.Output.FlushAsync(deadline.Token).ConfigureAwait(false);
            var url = new Uri($"{(tls is null ? "ws" : "wss")}://{request.Request!.Host}{request.Request.Path}{(request.Request.Query.Length > 0 ? "?" + request.Request.Query : "")}", UriKind.Absolute);
            var info = new ConnectionInfo(url, request.SubProtocol, deflate?.Extension, request.Request, remote, deflate);
            return new WebSocketConnection(transport, ConnectionRole.Server, options, info);
        }
        catch (Exception error) when (error is OperationCanceledException or IOException or SocketException or UriFormatException or InvalidOperationException
                                       or AuthenticationException)
        {
            Diagnostics.Log.HandshakeFailed(logger, remote, error);
            await transport.CloseAsync(shutdownFirst: false).ConfigureAwait(false);
            return null;
        }
    }

    private async ValueTask<(ServerHandshakeResult? Result, HandshakeRejection? Rejection)> ReadRequestAsync(
        PipeReader input, IPEndPoint? remote, CancellationToken cancellationToken)
    {
        var (status, head, error) = await input.ReadHeadAsync(HttpHeadKind.Request, options.MaxHeaderBytes, cancellationToken).ConfigureAwait(false);
        switch (status)
        {
            case HttpHeadParseStatus.NeedMoreData:
                return (null, null);
            case HttpHeadParseStatus.Complete:
                var result = _handshake.Validate(head!, remote);   // Complete always yields a head
                return result.IsAccepted ? (result, null) : (null, result.Rejection);
            default:
                return (null, ServerHandshake.RejectionFor(status, error));
        }
    }

}
