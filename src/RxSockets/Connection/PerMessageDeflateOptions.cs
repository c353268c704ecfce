using System.IO.Compression;

namespace RxSockets;

/// <summary>
/// permessage-deflate (RFC 7692): compression of message payloads, negotiated in the opening handshake. Set
/// <see cref="ConnectionOptions.PerMessageDeflate"/> to enable it: a client then offers it, a server then accepts the
/// first acceptable offer. What was agreed shows in <see cref="WebSocketConnection.Extensions"/>.
/// </summary>
/// <remarks>
/// <para>The four negotiation parameters keep their RFC names. "Server" and "client" always mean the role, whichever
/// side these options configure: a client requests the server's parameters and announces its own; a server answers.</para>
/// <para>Every window size of RFC 7692 (8 to 15 bits) is honoured both ways: a server accepts any
/// <c>server_max_window_bits</c> a client asks for and compresses within it; a client always announces
/// <c>client_max_window_bits</c> and compresses within what the server answers. Both inflate with the window the peer
/// agreed to; a smaller window or <see cref="MemoryLevel"/> saves compressor memory (see the README for the measured
/// cost of each). zlib cannot compress raw DEFLATE with an 8-bit window: with 8 agreed it compresses with 9, whose
/// matches never reach farther back than 250 bytes, so the peer's 256-byte window decodes them.</para>
/// <para>A compressed message that inflates beyond <see cref="ConnectionOptions.MaxMessageSize"/> fails the connection
/// with 1009 as soon as the limit is passed (the rest is never inflated); data that is not valid DEFLATE fails it with
/// 1007, as node <c>ws</c> does. <c>WebSocketServer.BroadcastAsync</c> compresses a message once for all its
/// recipients, without context; a connection's own compression context is restarted after such a message.</para>
/// <para>Not thread-safe while being configured; copied when the connection or server is created.</para>
/// </remarks>
/// <example>
/// <code>
/// var options = new WebSocketServerOptions
/// {
///     PerMessageDeflate = new PerMessageDeflateOptions { Threshold = 256, ServerNoContextTakeover = true },
/// };
/// </code>
/// </example>
public sealed class PerMessageDeflateOptions
{
    /// <summary>The smallest payload, in bytes, worth compressing; smaller messages are sent uncompressed.</summary>
    /// <value>The default is 1,024 bytes (as node <c>ws</c>). 0 compresses every non-empty message.</value>
    public int Threshold { get; set; } = 1024;

    /// <summary>How hard the compressor works.</summary>
    /// <value>The default is <see cref="System.IO.Compression.CompressionLevel.Optimal"/> (zlib level 6, as node <c>ws</c>).</value>
    public CompressionLevel CompressionLevel { get; set; } = CompressionLevel.Optimal;

    /// <summary>Whether the server starts every message with an empty compression context
    /// (<c>server_no_context_takeover</c>): less memory kept between messages, worse ratio for similar messages.</summary>
    /// <value>The default is false. A client requests it; a server always answers it.</value>
    public bool ServerNoContextTakeover { get; set; }

    /// <summary>Whether the client starts every message with an empty compression context
    /// (<c>client_no_context_takeover</c>).</summary>
    /// <value>The default is false. A client announces it (and then compresses without context); a server asks it of
    /// every client.</value>
    public bool ClientNoContextTakeover { get; set; }

    /// <summary>The largest LZ77 window the server may compress with, as a power of two (<c>server_max_window_bits</c>).</summary>
    /// <value>The default is null: not limited (15). 8 to 15: a client requests it of the server (and then inflates
    /// with that window); a server compresses with at most this window whatever the client asks, and says so in its
    /// answer.</value>
    public int? ServerMaxWindowBits { get; set; }

    /// <summary>The largest LZ77 window the client may compress with, as a power of two (<c>client_max_window_bits</c>).</summary>
    /// <value>The default is null: not limited (15). 8 to 15: a server asks it of clients that announce support (and
    /// then inflates with that window); a client announces it and compresses with at most this window. A client
    /// always announces the parameter, with this value or without one, so a server may limit its window.</value>
    public int? ClientMaxWindowBits { get; set; }

    /// <summary>zlib's memLevel for this end's compressor: the size of its hash table and symbol buffer, each step
    /// halving or doubling them (memory against ratio and speed). Inflating does not depend on it.</summary>
    /// <value>The default is 8 (zlib's and node <c>ws</c>'s default); 1 to 9.</value>
    public int MemoryLevel { get; set; } = DefaultMemoryLevel;

    internal const int DefaultMemoryLevel = Protocol.Deflate.DeflatePreferences.DefaultMemoryLevel;

    /// <summary>Checks the properties (the same ranges in both roles).</summary>
    /// <exception cref="ArgumentException">A property is out of range; the message names it.</exception>
    internal void Validate()
    {
        const string prefix = nameof(ConnectionOptions.PerMessageDeflate) + ".";
        Check(Threshold >= 0, prefix + nameof(Threshold), "must be 0 or positive");
        Check(Enum.IsDefined(CompressionLevel), prefix + nameof(CompressionLevel), "is not a defined value");
        Check(ServerMaxWindowBits is null or (>= 8 and <= 15), prefix + nameof(ServerMaxWindowBits), "must be null or between 8 and 15");
        Check(ClientMaxWindowBits is null or (>= 8 and <= 15), prefix + nameof(ClientMaxWindowBits), "must be null or between 8 and 15");
        Check(MemoryLevel is >= 1 and <= 9, prefix + nameof(MemoryLevel), "must be between 1 and 9");
    }

    internal PerMessageDeflateOptions Clone() => (PerMessageDeflateOptions)MemberwiseClone();

    /// <summary>What the negotiation reads of these (validated) options: the protocol layer never sees the options.</summary>
    internal Protocol.Deflate.DeflatePreferences ToPreferences() =>
        new(Threshold, CompressionLevel, ServerNoContextTakeover, ClientNoContextTakeover, ServerMaxWindowBits, ClientMaxWindowBits, MemoryLevel);

    private static void Check(bool condition, string property, string rule)
    {
        if (!condition)
        {
            throw new ArgumentException($"{property} {rule}.", property);
        }
    }
}
