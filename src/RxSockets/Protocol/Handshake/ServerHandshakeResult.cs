using System.Diagnostics.CodeAnalysis;

namespace RxSockets.Protocol.Handshake;

/// <summary>
/// The outcome of <see cref="ServerHandshake.Validate"/>: an upgrade to accept (the request, the accept key and the
/// selected subprotocol) or a refusal to write.
/// </summary>
/// <remarks>Immutable and therefore thread-safe.</remarks>
internal sealed class ServerHandshakeResult
{
    private ServerHandshakeResult(
        HandshakeRequest? request, string? acceptKey, string? subProtocol, HandshakeRejection? rejection)
    {
        Request = request;
        AcceptKey = acceptKey;
        SubProtocol = subProtocol;
        Rejection = rejection;
    }

    /// <summary>Whether the request is a valid upgrade; otherwise <see cref="Rejection"/> says how to refuse it.</summary>
    [MemberNotNullWhen(true, nameof(Request), nameof(AcceptKey))]
    [MemberNotNullWhen(false, nameof(Rejection))]
    public bool IsAccepted => Rejection is null;

    /// <summary>The request a verification hook inspects; null when refused.</summary>
    public HandshakeRequest? Request { get; }

    /// <summary>The Sec-WebSocket-Accept value to answer; null when refused.</summary>
    public string? AcceptKey { get; }

    /// <summary>The subprotocol selected from the client's offer, or null for none.</summary>
    public string? SubProtocol { get; }

    /// <summary>The refusal to write; null when accepted.</summary>
    public HandshakeRejection? Rejection { get; }

    /// <summary>Creates an accepted outcome.</summary>
    public static ServerHandshakeResult Accept(HandshakeRequest request, string acceptKey, string? subProtocol) =>
        new(request, acceptKey, subProtocol, null);

    /// <summary>Creates a refused outcome.</summary>
    public static ServerHandshakeResult Reject(HandshakeRejection rejection) => new(null, null, null, rejection);
}
