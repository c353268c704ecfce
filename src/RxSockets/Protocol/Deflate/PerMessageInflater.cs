using System.Buffers;

namespace RxSockets.Protocol.Deflate;

/// <summary>
/// The receiving half of permessage-deflate (RFC 7692 §7.2.2): inflates a message's compressed bytes followed by
/// <c>00 00 ff ff</c>, with the window the peer agreed to compress within, keeping it for the next message unless the
/// peer compresses without context. The output grows in pooled arrays and stops at the message size limit, so a
/// compression bomb fails with 1009 after at most that many bytes. Not thread-safe: owned by one read loop.
/// </summary>
internal sealed unsafe class PerMessageInflater : IDisposable
{
    private const int InitialOutput = 4096;
    private static readonly byte[] s_tail = [0x00, 0x00, 0xff, 0xff];

    private readonly bool _noContextTakeover;
    private readonly int _windowBits;
    private ZStreamHandle? _stream;

    /// <param name="noContextTakeover">The peer compresses every message with an empty window.</param>
    /// <param name="windowBits">The window the peer compresses within, 8 to 15 bits.</param>
    public PerMessageInflater(bool noContextTakeover, int windowBits = DeflateWindow.Max)
    {
        _noContextTakeover = noContextTakeover;
        _windowBits = DeflateWindow.Inflate(windowBits);
    }

    /// <summary>Inflates one whole message.</summary>
    /// <param name="compressed">The message's payload as received (the frames' payloads joined).</param>
    /// <param name="maxSize">The largest inflated size allowed.</param>
    /// <returns>The inflated payload, in an array of its own.</returns>
    /// <exception cref="ProtocolException">1009 when the output would exceed <paramref name="maxSize"/>; 1007 when the
    /// data is not valid DEFLATE (as node <c>ws</c> answers a zlib error).</exception>
    public byte[] Inflate(ReadOnlyMemory<byte> compressed, long maxSize)
    {
        var stream = _stream ??= ZStreamHandle.CreateInflater(_windowBits);
        var output = ArrayPool<byte>.Shared.Rent((int)Math.Min(Math.Max(InitialOutput, 2L * compressed.Length), maxSize + 1));
        var length = 0;
        var keep = false;
        stream.Enter();
        try
        {
            var ended = Run(stream, compressed.Span, ref output, ref length, maxSize)
                || Run(stream, s_tail, ref output, ref length, maxSize);

            // A sender may end a message with a final block (BFINAL, RFC 7692 §7.2.3.3): zlib's stream is then over,
            // and the next message starts a new one.
            keep = !_noContextTakeover && !ended;
            return length == 0 ? [] : output.AsSpan(0, length).ToArray();
        }
        finally
        {
            stream.Exit();
            ArrayPool<byte>.Shared.Return(output);
            if (!keep)
            {
                Reset();   // also after a failure: the stream is of no further use.
            }
        }
    }

    /// <summary>Drops the window and the zlib stream; the next message starts a fresh one.</summary>
    public void Reset()
    {
        _stream?.Dispose();
        _stream = null;
    }

    public void Dispose() => Reset();

    /// <summary>Inflates all of <paramref name="input"/> into <paramref name="output"/>, growing it.</summary>
    /// <returns>True when the DEFLATE stream ended (a final block); the rest of the input is then ignored.</returns>
    private static bool Run(ZStreamHandle stream, ReadOnlySpan<byte> input, ref byte[] output, ref int length, long maxSize)
    {
        var z = stream.Stream;
        fixed (byte* next = input)
        {
            z->NextIn = next;
            z->AvailIn = (uint)input.Length;
            try
            {
                while (true)
                {
                    if (length == output.Length)
                    {
                        output = Grow(output, length, maxSize);
                    }

                    int code;
                    var free = (uint)(output.Length - length);
                    fixed (byte* target = &output[length])
                    {
                        z->NextOut = target;
                        z->AvailOut = free;
                        code = ZLibNative.Inflate(z, ZLibNative.SyncFlush);
                        z->NextOut = null;
                    }

                    length += (int)(free - z->AvailOut);
                    if (length > maxSize)
                    {
                        throw new ProtocolException(CloseCode.MessageTooBig, $"A compressed message inflated beyond the limit of {maxSize} bytes.");
                    }

                    switch (code)
                    {
                        case ZLibNative.StreamEnd:
                            return true;
                        case ZLibNative.Ok when z->AvailIn > 0 || z->AvailOut == 0:
                            continue;
                        case ZLibNative.Ok or ZLibNative.BufError:
                            return false;   // all input read and the output not full: nothing more to come.
                        default:
                            throw new ProtocolException(CloseCode.InvalidPayloadData,
                                $"A compressed message could not be inflated: {ZLibNative.Describe(z, code)}.");
                    }
                }
            }
            finally
            {
                z->NextIn = null;
            }
        }
    }

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
