using Microsoft.Extensions.Logging;
using RxSockets.Protocol.Deflate;
using RxSockets.Protocol.Handshake;
using RxSockets.Transport;
using RxSockets.Transport.Accept;

namespace RxSockets.Transport.Accept;

/// <summary>
/// A detached server's handshake (noServer mode): checks a request its host read, as <see cref="ServerAcceptor"/>
/// checks one read from a socket (protocol rules, admission limits, the verification hook), and settles the 101
/// answer for the host to send; the surface turns the decision into the public upgrade. Thread-safe.
/// </summary>
/// <param name="settings">The detached path's settings (its subprotocol rule runs no resumption).</param>
internal sealed class UpgradeNegotiator(AcceptSettings settings, Admission admission, ILogger logger, HandshakeFailureFeed? failures = null)
{
    private static readonly HandshakeRejection s_stopping = new(503, "the server is stopping");

    private readonly ServerHandshake _handshake = new(settings.Path, settings.AllowedOrigins, settings.SubProtocols, settings.SelectSubProtocol);

    public ValueTask<NegotiatedUpgrade> NegotiateAsync(HandshakeRequest request, bool stopping, CancellationToken cancellationToken) =>
        Diagnostics.RxSocketsActivity.IsListening ? TracedNegotiateAsync(request, stopping, cancellationToken) : NegotiateCoreAsync(request, stopping, cancellationToken);

    /// <summary>The negotiation under its span <c>rxsockets.accept</c>: a child of the host's request span when there
    /// is one (ASP.NET Core continues the client's <c>traceparent</c> itself), else of the client's span.</summary>
    private async ValueTask<NegotiatedUpgrade> TracedNegotiateAsync(HandshakeRequest request, bool stopping, CancellationToken cancellationToken)
    {
        using var activity = Diagnostics.RxSocketsActivity.StartAccept(default, request, request.RemoteEndPoint, hosted: true);
        var upgrade = await NegotiateCoreAsync(request, stopping, cancellationToken).ConfigureAwait(false);
        if (activity is not null)
        {
            if (upgrade.Rejection is { } refused)
            {
                Diagnostics.RxSocketsActivity.Refused(activity, refused.StatusCode, refused.Reason);
            }
            else
            {
                activity.SetTag("http.response.status_code", 101);
            }
        }

        return upgrade;
    }

    private async ValueTask<NegotiatedUpgrade> NegotiateCoreAsync(HandshakeRequest request, bool stopping, CancellationToken cancellationToken)
    {
        var target = request.Target ?? (request.Query.Length > 0 ? $"{request.Path}?{request.Query}" : request.Path);
        var head = HttpHead.CreateRequest(request.Method, target, new Version(1, 1), [.. request.Headers]);
        ServerHandshakeResult result;
        try
        {
            result = _handshake.Validate(head, request.RemoteEndPoint);
        }
        catch (InvalidOperationException error)
        {
            Diagnostics.Log.HandshakeFailed(logger, request.RemoteEndPoint, error);
            return Refuse(request, new HandshakeRejection(500, "subprotocol selection failed") { Cause = error });
        }

        if (!result.IsAccepted)
        {
            return Refuse(request, result.Rejection);
        }

        var address = Admission.AddressOf(request.RemoteEndPoint);
        if ((stopping ? s_stopping : admission.TryEnter(address)) is { } refusal)
        {
            return Refuse(request, refusal);
        }

        HandshakeRejection? rejection;
        try
        {
            rejection = settings.VerifyClient is { } verify ? await ClientVerification.RunAsync(verify, result.Request, logger, cancellationToken).ConfigureAwait(false) : null;
        }
        catch (OperationCanceledException)
        {
            admission.Leave(address);
            throw;
        }

        if (rejection is not null)
        {
            admission.Leave(address);
            return Refuse(request, rejection);
        }

        var extra = settings.AddResponseHeaders is { } add ? UpgradeResponseHeaders.Run(add, result.Request, logger, out rejection) : null;
        if (rejection is not null)
        {
            admission.Leave(address);
            return Refuse(request, rejection);
        }

        var deflate = settings.Deflate is { } offered ? DeflateNegotiation.SelectOffer(result.Request.Extensions, offered) : null;
        return new NegotiatedUpgrade(null, result.Request, result.AcceptKey, result.SubProtocol, deflate, address, extra);
    }

    private NegotiatedUpgrade Refuse(HandshakeRequest request, HandshakeRejection rejection)
    {
        Diagnostics.Log.HandshakeRejected(logger, request.RemoteEndPoint, rejection.StatusCode, rejection.Reason ?? "");
        Diagnostics.RxSocketsMetrics.HandshakeRefused(rejection.StatusCode);
        failures?.Refused(request.RemoteEndPoint, request.Path, rejection);
        return new NegotiatedUpgrade(rejection);
    }

}
