namespace RxSockets.Protocol.Handshake;

/// <summary>Which start line an <see cref="HttpHead"/> carries.</summary>
internal enum HttpHeadKind
{
    /// <summary>A request: <c>method SP request-target SP HTTP-version</c> (RFC 9112 §3).</summary>
    Request,

    /// <summary>A response: <c>HTTP-version SP status-code SP [reason-phrase]</c> (RFC 9112 §4).</summary>
    Response,
}
