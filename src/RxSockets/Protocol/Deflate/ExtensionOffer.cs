namespace RxSockets.Protocol.Deflate;

/// <summary>One element of a <c>Sec-WebSocket-Extensions</c> list (RFC 6455 §9.1): an extension name and its
/// parameters in order, a parameter without a value having a null value. Quoted values are already unquoted.</summary>
internal sealed record ExtensionOffer(string Name, IReadOnlyList<KeyValuePair<string, string?>> Parameters);
