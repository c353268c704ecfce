using System.IO.Compression;

namespace RxSockets.Protocol.Deflate;

/// <summary>What this end asks of permessage-deflate before negotiating (RFC 7692 §7.1), as configured: the input of
/// <see cref="DeflateNegotiation"/>, made by the surface from the public <c>PerMessageDeflateOptions</c> so the
/// protocol and transport layers never read the options class. <see cref="DeflateSettings"/> is what was agreed.</summary>
/// <remarks>"Server" and "client" name the role, whichever side these preferences configure.</remarks>
/// <param name="Threshold">Smaller payloads are sent uncompressed.</param>
/// <param name="Level">The compression level.</param>
/// <param name="ServerNoContextTakeover">Ask (client) or impose (server) <c>server_no_context_takeover</c>.</param>
/// <param name="ClientNoContextTakeover">Announce (client) or ask of every client (server) <c>client_no_context_takeover</c>.</param>
/// <param name="ServerMaxWindowBits">The largest window the server may compress with (8 to 15), or null for no limit.</param>
/// <param name="ClientMaxWindowBits">The largest window the client may compress with (8 to 15), or null for no limit.</param>
/// <param name="MemoryLevel">zlib's memLevel for our compressor (1 to 9).</param>
internal sealed record DeflatePreferences(
    int Threshold, CompressionLevel Level, bool ServerNoContextTakeover, bool ClientNoContextTakeover,
    int? ServerMaxWindowBits, int? ClientMaxWindowBits, int MemoryLevel)
{
    /// <summary>zlib's default memLevel (and node <c>ws</c>'s).</summary>
    public const int DefaultMemoryLevel = 8;
}
