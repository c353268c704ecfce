using System.Net;
using RxSockets.Protocol.Deflate;

namespace RxSockets.Transport.Accept;

/// <summary>A detached server's decision on one upgrade request (<c>UpgradeNegotiator</c>): the refusal to
/// answer, or what the 101 carries and the place the request holds under the connection limits. The surface turns it
/// into the public <c>WebSocketUpgrade</c>.</summary>
/// <param name="Rejection">The refusal, or null when accepted (then every other value is set as negotiated).</param>
/// <param name="Request">The accepted request.</param>
/// <param name="AcceptKey">The <c>Sec-WebSocket-Accept</c> value.</param>
/// <param name="SubProtocol">The subprotocol selected, or null.</param>
/// <param name="Deflate">What permessage-deflate settled, or null.</param>
/// <param name="Address">The client's address as the admission limits count it; its place is given back with
/// <c>Admission.Leave</c> unless a connection keeps it.</param>
/// <param name="ExtraHeaders">The headers the user's hook added, or null.</param>
internal readonly record struct NegotiatedUpgrade(
    HandshakeRejection? Rejection, HandshakeRequest? Request = null, string? AcceptKey = null, string? SubProtocol = null,
    DeflateSettings? Deflate = null, IPAddress? Address = null, IReadOnlyDictionary<string, string>? ExtraHeaders = null);
