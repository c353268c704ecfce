using System.Diagnostics.CodeAnalysis;

namespace RxSockets.Protocol.Handshake;

/// <summary>
/// The outcome of <see cref="ServerHandshake.Validate"/>: an upgrade to accept (the request, the client's key and the
/// selected subprotocol) or a refusal to write. A struct, so that checking a request allocates no result.
/// </summary>
/// <remarks>Immutable and therefore thread-safe. The default value is neither accepted nor refused: only
/// <see cref="Accept"/> and <see cref="Reject"/> make results.</remarks>
internal readonly struct ServerHandshakeResult
{
    private ServerHandshakeResult(
        HandshakeRequest? request, string? clientKey, string? subProtocol, HandshakeRejection? rejection)
    {
        Request = request;
        ClientKey = clientKey;
        SubProtocol = subProtocol;
        Rejection = rejection;
    }

    /// <summary>Whether the request is a valid upgrade; otherwise <see cref="Rejection"/> says how to refuse it.</summary>
    [MemberNotNullWhen(true, nameof(Request), nameof(ClientKey), nameof(AcceptKey))]
    [MemberNotNullWhen(false, nameof(Rejection))]
    public bool IsAccepted => Rejection is null;

    /// <summary>The request a verification hook inspects; null when refused.</summary>
    public HandshakeRequest? Request { get; }

    /// <summary>The client's Sec-WebSocket-Key; null when refused. <see cref="ServerHandshake.WriteAcceptForKey"/>
    /// answers it without making the accept key a string.</summary>
    public string? ClientKey { get; }

    /// <summary>The Sec-WebSocket-Accept value to answer, computed on each call; null when refused.</summary>
    public string? AcceptKey => ClientKey is null ? null : Handshake.AcceptKey.Compute(ClientKey);

    /// <summary>The subprotocol selected from the client's offer, or null for none.</summary>
    public string? SubProtocol { get; }

    /// <summary>The refusal to write; null when accepted.</summary>
    public HandshakeRejection? Rejection { get; }

    /// <summary>Creates an accepted outcome.</summary>
    public static ServerHandshakeResult Accept(HandshakeRequest request, string clientKey, string? subProtocol) =>
        new(request, clientKey, subProtocol, null);

    /// <summary>Creates a refused outcome.</summary>
    public static ServerHandshakeResult Reject(HandshakeRejection rejection) => new(null, null, null, rejection);
}
