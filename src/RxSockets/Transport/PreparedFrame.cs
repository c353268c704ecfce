using RxSockets.Protocol;
using RxSockets.Protocol.Deflate;
using RxSockets.Protocol.Frames;

namespace RxSockets.Transport;

/// <summary>
/// A server-to-client message framed once (server frames are never masked), so a broadcast serialises and frames
/// once for all its recipients and each connection only copies bytes. Under permessage-deflate it is also compressed
/// once, on first use, with a fresh context (see <see cref="GetBytes"/>). Thread-safe; safe to share.
/// </summary>
internal sealed class PreparedFrame
{
    private readonly Message _message;
    private readonly int _fragmentSize;
    private readonly Lock _gate = new();
    private List<(System.IO.Compression.CompressionLevel Level, int WindowBits, byte[] Bytes)>? _compressed;

    private PreparedFrame(byte[] bytes, Message message, int fragmentSize)
    {
        Bytes = bytes;
        PayloadLength = message.Data.Length;
        _message = message;
        _fragmentSize = fragmentSize;
    }

    public byte[] Bytes { get; }

    public int PayloadLength { get; }

    /// <summary>Who else counts a drop of this frame (the topic that published it), or null for a broadcast. Set once,
    /// before the frame is shared.</summary>
    public IDropCounter? DropCounter { get; set; }

    /// <summary>The bytes for a connection: plain without permessage-deflate, otherwise as <see cref="GetBytes"/>
    /// picks them. A compressed frame was made with a fresh context, which any inflater reads; but the peer's window
    /// now holds its text and ours does not, so the connection's context is dropped before its next message.</summary>
    public ReadOnlySpan<byte> SelectFor(DeflateFrameWriter? deflate)
    {
        if (deflate is null)
        {
            return Bytes;
        }

        var bytes = GetBytes(deflate.Settings, out var compressed);
        if (compressed)
        {
            deflate.ForgetContext();
        }

        return bytes;
    }

    public static PreparedFrame Create(Message message, int fragmentSize)
    {
        var writer = new System.Buffers.ArrayBufferWriter<byte>(message.Data.Length + FrameHeader.MaxLength);
        FrameWriter.WriteMessage(writer, message.Type, message.Data.Span, fragmentSize, masks: null);
        return new PreparedFrame(writer.WrittenSpan.ToArray(), message, fragmentSize);
    }

    /// <summary>
    /// The frame for a connection that negotiated permessage-deflate. A compressed frame is shared by connections
    /// with different compression contexts, so it is compressed with none (a fresh window, as under no context
    /// takeover): every inflater can read it whatever its history. All connections of one server share one
    /// threshold and level, so this compresses once per broadcast and per window size the recipients agreed to (a
    /// frame compressed with a larger window than a recipient allowed would not be decodable there).
    /// </summary>
    /// <param name="compressed">True when the bytes are compressed (RSV1 set).</param>
    public byte[] GetBytes(DeflateSettings settings, out bool compressed)
    {
        compressed = !_message.SkipCompression && DeflateFrameWriter.ShouldCompress(PayloadLength, settings);
        if (!compressed)
        {
            return Bytes;
        }

        lock (_gate)
        {
            _compressed ??= new(1);
            foreach (var cached in _compressed)
            {
                if (cached.Level == settings.Level && cached.WindowBits == settings.CompressWindowBits)
                {
                    return cached.Bytes;
                }
            }

            using var deflater = new PerMessageDeflater(settings.Level, noContextTakeover: true, settings.CompressWindowBits, settings.MemoryLevel);
            var payload = deflater.Compress(_message.Data.Span);
            var writer = new System.Buffers.ArrayBufferWriter<byte>(payload.Length + FrameHeader.MaxLength);
            FrameWriter.WriteMessage(writer, _message.Type, payload, _fragmentSize, masks: null, compressed: true);
            var bytes = writer.WrittenSpan.ToArray();
            _compressed.Add((settings.Level, settings.CompressWindowBits, bytes));
            return bytes;
        }
    }
}
