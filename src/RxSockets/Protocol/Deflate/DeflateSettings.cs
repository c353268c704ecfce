using System.IO.Compression;

namespace RxSockets.Protocol.Deflate;

/// <summary>What permessage-deflate settled for one connection, seen from this end.</summary>
/// <param name="Extension">The agreed <c>Sec-WebSocket-Extensions</c> element, for <see cref="WebSocketConnection.Extensions"/>.</param>
/// <param name="CompressNoContext">Our compressor starts every message with an empty window.</param>
/// <param name="InflateNoContext">The peer compresses without context, so our inflater may drop its window after
/// every message (saving its memory between messages).</param>
/// <param name="Threshold">Smaller payloads are sent uncompressed.</param>
/// <param name="Level">The compression level.</param>
internal sealed record DeflateSettings(string Extension, bool CompressNoContext, bool InflateNoContext, int Threshold, CompressionLevel Level);
