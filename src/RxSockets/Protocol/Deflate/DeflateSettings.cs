using System.IO.Compression;

namespace RxSockets.Protocol.Deflate;

/// <summary>What permessage-deflate settled for one connection, seen from this end.</summary>
/// <param name="Extension">The agreed <c>Sec-WebSocket-Extensions</c> element, for the connection's <c>Extensions</c>.</param>
/// <param name="CompressNoContext">Our compressor starts every message with an empty window.</param>
/// <param name="InflateNoContext">The peer compresses without context, so our inflater may drop its window after
/// every message (saving its memory between messages).</param>
/// <param name="Threshold">Smaller payloads are sent uncompressed.</param>
/// <param name="Level">The compression level.</param>
/// <param name="CompressWindowBits">The window we may compress with (8 to 15 bits), as the peer allowed.</param>
/// <param name="InflateWindowBits">The window the peer compresses within (8 to 15 bits), as agreed.</param>
/// <param name="MemoryLevel">zlib's memLevel for our compressor (1 to 9).</param>
internal sealed record DeflateSettings(
    string Extension, bool CompressNoContext, bool InflateNoContext, int Threshold, CompressionLevel Level,
    int CompressWindowBits = DeflateWindow.Max, int InflateWindowBits = DeflateWindow.Max, int MemoryLevel = DeflatePreferences.DefaultMemoryLevel);
