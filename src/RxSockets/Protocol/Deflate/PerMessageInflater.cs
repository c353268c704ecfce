using System.Buffers;
using System.IO.Compression;

namespace RxSockets.Protocol.Deflate;

/// <summary>
/// The receiving half of permessage-deflate (RFC 7692 §7.2.2): appends <c>00 00 ff ff</c> to a message's compressed
/// bytes and inflates them, keeping the window for the next message unless the peer compresses without context.
/// The output grows in pooled arrays and stops at the message size limit, so a compression bomb fails with 1009
/// after at most that many bytes. Not thread-safe: owned by one read loop.
/// </summary>
internal sealed class PerMessageInflater : IDisposable
{
    private const int InitialOutput = 4096;

    private readonly InputFeedStream _input = new();
    private readonly bool _noContextTakeover;
    private DeflateStream? _inflate;

    public PerMessageInflater(bool noContextTakeover) => _noContextTakeover = noContextTakeover;

    /// <summary>Inflates one whole message.</summary>
    /// <param name="compressed">The message's payload as received (the frames' payloads joined).</param>
    /// <param name="maxSize">The largest inflated size allowed.</param>
    /// <returns>The inflated payload, in an array of its own.</returns>
    /// <exception cref="ProtocolException">1009 when the output would exceed <paramref name="maxSize"/>; 1007 when the
    /// data is not valid DEFLATE (as node <c>ws</c> answers a zlib error).</exception>
    public byte[] Inflate(ReadOnlyMemory<byte> compressed, long maxSize)
    {
        _inflate ??= new DeflateStream(_input, CompressionMode.Decompress, leaveOpen: true);
        _input.Feed(compressed);
        var output = ArrayPool<byte>.Shared.Rent((int)Math.Min(Math.Max(InitialOutput, 2L * compressed.Length), maxSize + 1));
        var length = 0;
        try
        {
            while (true)
            {
                if (length == output.Length)
                {
                    output = Grow(output, length, maxSize);
                }

                var read = _inflate.Read(output.AsSpan(length));
                if (read == 0)
                {
                    break;
                }

                length += read;
                if (length > maxSize)
                {
                    throw new ProtocolException(CloseCode.MessageTooBig, $"A compressed message inflated beyond the limit of {maxSize} bytes.");
                }
            }

            return length == 0 ? [] : output.AsSpan(0, length).ToArray();
        }
        catch (InvalidDataException error)
        {
            throw new ProtocolException(CloseCode.InvalidPayloadData, $"A compressed message could not be inflated: {error.Message}");
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(output);

            // A sender may end a message with a final block (BFINAL, RFC 7692 §7.2.3.3); zlib's stream is then over
            // and leaves the rest of the input (at least our tail) unread. The next message starts a new stream.
            var ended = _input.Remaining > 0;
            _input.Clear();
            if (_noContextTakeover || ended)
            {
                Reset();
            }
        }
    }

    /// <summary>Drops the window and the zlib stream; the next message starts a fresh one.</summary>
    public void Reset()
    {
        _inflate?.Dispose();
        _inflate = null;
    }

    public void Dispose() => Reset();

    /// <summary>Doubles the output, but never past one byte more than the limit: that byte is how an oversized
    /// message is noticed without inflating the rest of it.</summary>
    private static byte[] Grow(byte[] output, int length, long maxSize)
    {
        var grown = ArrayPool<byte>.Shared.Rent((int)Math.Min(2L * output.Length, maxSize + 1));
        output.AsSpan(0, length).CopyTo(grown);
        ArrayPool<byte>.Shared.Return(output);
        return grown;
    }
}
