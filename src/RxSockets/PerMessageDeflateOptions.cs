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
/// <para>System.IO.Compression compresses only with a 15-bit window (its public API has no window-size setting), so
/// this end never agrees to compress with a smaller one: a server declines an offer that asks for
/// <c>server_max_window_bits</c> below 15, and a client never offers <c>client_max_window_bits</c>. Decompression
/// handles every window size, so the peer's window may be limited freely.</para>
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
    /// <value>The default is null: not limited. A client may request 8 to 15; a server may only state 15, the window
    /// System.IO.Compression compresses with.</value>
    public int? ServerMaxWindowBits { get; set; }

    /// <summary>The largest LZ77 window the client may compress with, as a power of two (<c>client_max_window_bits</c>).</summary>
    /// <value>The default is null: not limited. A server asks 8 to 15 of clients that announce support; a client must
    /// leave it null, since it cannot compress with a window below 15.</value>
    public int? ClientMaxWindowBits { get; set; }

    /// <summary>Checks the properties for the role these options configure.</summary>
    /// <exception cref="ArgumentException">A property is out of range; the message names it.</exception>
    internal void Validate(ConnectionRole role)
    {
        const string prefix = nameof(ConnectionOptions.PerMessageDeflate) + ".";
        Check(Threshold >= 0, prefix + nameof(Threshold), "must be 0 or positive");
        Check(Enum.IsDefined(CompressionLevel), prefix + nameof(CompressionLevel), "is not a defined value");
        if (role == ConnectionRole.Server)
        {
            Check(ServerMaxWindowBits is null or 15, prefix + nameof(ServerMaxWindowBits),
                "must be null or 15 on a server: System.IO.Compression cannot compress with a smaller window");
            Check(ClientMaxWindowBits is null or (>= 8 and <= 15), prefix + nameof(ClientMaxWindowBits), "must be null or between 8 and 15");
        }
        else
        {
            Check(ServerMaxWindowBits is null or (>= 8 and <= 15), prefix + nameof(ServerMaxWindowBits), "must be null or between 8 and 15");
            Check(ClientMaxWindowBits is null, prefix + nameof(ClientMaxWindowBits),
                "must be null on a client: System.IO.Compression cannot compress with a window below 15 bits");
        }
    }

    internal PerMessageDeflateOptions Clone() => (PerMessageDeflateOptions)MemberwiseClone();

    private static void Check(bool condition, string property, string rule)
    {
        if (!condition)
        {
            throw new ArgumentException($"{property} {rule}.", property);
        }
    }
}
