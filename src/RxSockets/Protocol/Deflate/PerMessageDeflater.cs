using System.IO.Compression;

namespace RxSockets.Protocol.Deflate;

/// <summary>
/// The sending half of permessage-deflate (RFC 7692 §7.2.1): compresses a message with a sync flush and removes the
/// <c>00 00 ff ff</c> the flush ends with. With context takeover the zlib stream (and its 32 KiB window) lives from
/// message to message; without, every message starts a fresh one. Not thread-safe: owned by one write loop.
/// </summary>
internal sealed class PerMessageDeflater : IDisposable
{
    private readonly ZLibCompressionOptions _options;
    private readonly bool _noContextTakeover;
    private readonly PooledBufferStream _output = new();
    private DeflateStream? _deflate;

    public PerMessageDeflater(CompressionLevel level, bool noContextTakeover)
    {
        _options = new ZLibCompressionOptions { CompressionLevel = ToZLibLevel(level) };
        _noContextTakeover = noContextTakeover;
    }

    /// <summary>Compresses one whole message. The result is valid until the next call or <see cref="Release"/>.</summary>
    /// <param name="payload">The message payload; must not be empty (an empty message is sent uncompressed).</param>
    public ReadOnlySpan<byte> Compress(ReadOnlySpan<byte> payload)
    {
        _output.Release();
        _deflate ??= new DeflateStream(_output, _options, leaveOpen: true);
        _deflate.Write(payload);
        _deflate.Flush();   // Z_SYNC_FLUSH: the data so far ends on a byte boundary with an empty stored block.
        var length = (int)_output.Length - 4;
        if (length < 0 || !_output.Written[length..].SequenceEqual((ReadOnlySpan<byte>)[0x00, 0x00, 0xff, 0xff]))
        {
            throw new InvalidOperationException("The compressor's sync flush did not end with 00 00 ff ff.");
        }

        if (_noContextTakeover)
        {
            // Disposing writes a final block after our length; that part is never sent.
            Reset();
        }

        return _output.Written[..length];
    }

    /// <summary>Drops the compression context: the next message starts with an empty window. Needed after the peer
    /// received a message we did not compress with this context (a broadcast frame), since its window then holds
    /// bytes ours does not, and a back-reference would point at the wrong data.</summary>
    public void Reset()
    {
        _deflate?.Dispose();
        _deflate = null;
    }

    /// <summary>Returns the output memory to the pool once the compressed bytes are written.</summary>
    public void Release() => _output.Release();

    public void Dispose()
    {
        Reset();
        _output.Dispose();
    }

    private static int ToZLibLevel(CompressionLevel level) => level switch
    {
        CompressionLevel.NoCompression => 0,
        CompressionLevel.Fastest => 1,
        CompressionLevel.SmallestSize => 9,
        _ => 6,
    };
}
