namespace RxSockets.Cli;

/// <summary>
/// The protocol options <c>serve</c>, <c>connect</c> and <c>echo-client</c> share: <c>--max-message BYTES</c>,
/// <c>--max-fragments N</c> (0 = unlimited), <c>--deflate</c> and <c>--deflate-window-bits N</c>. One reader and one mapping onto the connection
/// options, so the three commands cannot drift apart.
/// </summary>
internal sealed class ProtocolFlags
{
    /// <summary>The largest message accepted, in bytes.</summary>
    public long MaxMessageSize { get; private set; } = 1024 * 1024;

    /// <summary>The most frames per message; 0 = unlimited.</summary>
    public int MaxFragments { get; private set; } = 1024;

    /// <summary>Whether permessage-deflate is offered (client) or accepted (server).</summary>
    public bool Deflate { get; private set; }

    /// <summary>The LZ77 window, in bits, for both directions of permessage-deflate; null = 15, unless the peer asks
    /// for less.</summary>
    public int? DeflateWindowBits { get; private set; }

    /// <summary>Reads <paramref name="token"/> if it is one of these options.</summary>
    /// <returns>False when the option is not one of them (the caller handles it).</returns>
    public bool TryRead(string token, ArgumentReader reader)
    {
        switch (token)
        {
            case "--max-message":
                MaxMessageSize = reader.Number(1, int.MaxValue);
                return true;
            case "--max-fragments":
                MaxFragments = (int)reader.Number(0, int.MaxValue);
                return true;
            case "--deflate":
                Deflate = reader.Switch();
                return true;
            case "--deflate-window-bits":
                // Implies --deflate: a window for a compression that is not offered would mean nothing.
                DeflateWindowBits = (int)reader.Number(8, 15);
                Deflate = true;
                return true;
            default:
                return false;
        }
    }

    /// <summary>Sets the matching properties of <paramref name="options"/>.</summary>
    public void ApplyTo(ConnectionOptions options)
    {
        options.MaxMessageSize = MaxMessageSize;
        options.MaxFragments = MaxFragments;
        // Both parameters, whichever the role: a server compresses within the window and asks clients for it; a
        // client requests it of the server and compresses within it.
        options.PerMessageDeflate = Deflate
            ? new PerMessageDeflateOptions { ServerMaxWindowBits = DeflateWindowBits, ClientMaxWindowBits = DeflateWindowBits }
            : null;
    }
}
