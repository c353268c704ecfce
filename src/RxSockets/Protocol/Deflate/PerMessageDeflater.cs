using System.Buffers;
using System.IO.Compression;

namespace RxSockets.Protocol.Deflate;

/// <summary>
/// The sending half of permessage-deflate (RFC 7692 §7.2.1): compresses a message with a sync flush and removes the
/// <c>00 00 ff ff</c> the flush ends with, within the window the peer agreed to. With context takeover the zlib
/// stream (and its window) lives from message to message; without, every message starts a fresh one and none is
/// kept in between. Not thread-safe: owned by one write loop.
/// </summary>
internal sealed unsafe class PerMessageDeflater : IDisposable
{
    private const int MinimumOutput = 256;

    private readonly int _level;
    private readonly int _windowBits;
    private readonly int _memLevel;
    private readonly bool _noContextTakeover;
    private ZStreamHandle? _stream;
    private byte[] _output = [];
    private int _length;

    /// <param name="level">How hard to work.</param>
    /// <param name="noContextTakeover">Start every message with an empty window.</param>
    /// <param name="windowBits">The agreed window, 8 to 15 bits (see <see cref="DeflateWindow"/> for 8).</param>
    /// <param name="memLevel">zlib's memLevel, 1 to 9.</param>
    public PerMessageDeflater(CompressionLevel level, bool noContextTakeover, int windowBits = DeflateWindow.Max, int memLevel = 8)
    {
        _level = ToZLibLevel(level);
        _windowBits = DeflateWindow.Compress(windowBits);
        _memLevel = memLevel;
        _noContextTakeover = noContextTakeover;
    }

    /// <summary>Compresses one whole message. The result is valid until the next call or <see cref="Release"/>.</summary>
    /// <param name="payload">The message payload; must not be empty (an empty message is sent uncompressed).</param>
    public ReadOnlySpan<byte> Compress(ReadOnlySpan<byte> payload)
    {
        Release();
        var stream = _stream ??= ZStreamHandle.CreateDeflater(_level, _windowBits, _memLevel);
        _output = ArrayPool<byte>.Shared.Rent(Math.Max(MinimumOutput, payload.Length + (payload.Length >> 3) + 16));
        stream.Enter();
        try
        {
            fixed (byte* input = payload)
            {
                var z = stream.Stream;
                z->NextIn = input;
                z->AvailIn = (uint)payload.Length;

                // Z_SYNC_FLUSH: everything so far, ending on a byte boundary with an empty stored block. zlib may
                // need several calls when the output fills; it is done when a call leaves output space unused.
                do
                {
                    if (_output.Length - _length < MinimumOutput)
                    {
                        Grow();
                    }

                    fixed (byte* output = &_output[_length])
                    {
                        var free = (uint)(_output.Length - _length);
                        z->NextOut = output;
                        z->AvailOut = free;
                        var code = ZLibNative.Deflate(z, ZLibNative.SyncFlush);
                        if (code is not (ZLibNative.Ok or ZLibNative.BufError))
                        {
                            throw new InvalidOperationException($"The compressor failed: {ZLibNative.Describe(z, code)}.");
                        }

                        _length += (int)(free - z->AvailOut);
                    }
                }
                while (z->AvailOut == 0 || z->AvailIn > 0);

                z->NextIn = null;
                z->NextOut = null;
            }
        }
        finally
        {
            stream.Exit();
        }

        var length = _length - 4;
        if (length < 0 || !_output.AsSpan(length, 4).SequenceEqual((ReadOnlySpan<byte>)[0x00, 0x00, 0xff, 0xff]))
        {
            throw new InvalidOperationException("The compressor's sync flush did not end with 00 00 ff ff.");
        }

        if (_noContextTakeover)
        {
            Reset();
        }

        return _output.AsSpan(0, length);
    }

    /// <summary>Drops the compression context: the next message starts with an empty window. Needed after the peer
    /// received a message we did not compress with this context (a broadcast frame), since its window then holds
    /// bytes ours does not, and a back-reference would point at the wrong data.</summary>
    public void Reset()
    {
        _stream?.Dispose();
        _stream = null;
    }

    /// <summary>Returns the output memory to the pool once the compressed bytes are written.</summary>
    public void Release()
    {
        _length = 0;
        if (_output.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(_output);
            _output = [];
        }
    }

    public void Dispose()
    {
        Reset();
        Release();
    }

    private void Grow()
    {
        var grown = ArrayPool<byte>.Shared.Rent(Math.Max(MinimumOutput, 2 * _output.Length));
        _output.AsSpan(0, _length).CopyTo(grown);
        if (_output.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(_output);
        }

        _output = grown;
    }

    private static int ToZLibLevel(CompressionLevel level) => level switch
    {
        CompressionLevel.NoCompression => 0,
        CompressionLevel.Fastest => 1,
        CompressionLevel.SmallestSize => 9,
        _ => 6,
    };
}
