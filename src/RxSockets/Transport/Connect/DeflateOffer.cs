using RxSockets.Protocol.Deflate;

namespace RxSockets.Transport.Connect;

/// <summary>Checks the server's permessage-deflate answer against what was offered (RFC 7692 §5, §7.1).</summary>
/// <param name="answer">The response's <c>Sec-WebSocket-Extensions</c>; null when the server declined.</param>
/// <param name="settings">What was settled; null when declined.</param>
/// <param name="error">Why the answer is unacceptable.</param>
/// <returns>False when the handshake must fail.</returns>
internal delegate bool DeflateAnswerCheck(string? answer, out DeflateSettings? settings, out string? error);

/// <summary>The client's permessage-deflate offer: the <c>Sec-WebSocket-Extensions</c> value to send and the check of
/// the answer, both made by the surface from the public options with <see cref="DeflateNegotiation"/>, so the connect
/// path carries the offer without reading the options.</summary>
internal sealed record DeflateOffer(string Header, DeflateAnswerCheck Check);
