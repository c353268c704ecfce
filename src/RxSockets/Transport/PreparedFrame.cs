using System.Buffers;
using System.Collections.Concurrent;
using RxSockets.Protocol;
using RxSockets.Protocol.Deflate;
using RxSockets.Protocol.Frames;

namespace RxSockets.Transport;

/// <summary>
/// A server-to-client message framed once (server frames are never masked), so a broadcast serialises and frames
/// once for all its recipients and each connection only copies bytes. Under permessage-deflate it is also compressed
/// once, on first use, with a fresh context (see <see cref="GetBytes"/>). Thread-safe; safe to share.
/// </summary>
/// <remarks>
/// <para>A broadcast's frame is pooled (<see cref="Rent"/>): its buffer comes from <see cref="ArrayPool{T}.Shared"/>
/// and the object itself from a small pool, and both go back when the last reference is released. The broadcaster
/// holds one reference while it offers the frame, and each send queue that takes it holds one
/// (<see cref="AddReference"/>) until the connection's writer has copied it into the transport, or dropped it
/// (<see cref="Release"/>). A reference never released (a connection that failed with the frame still queued) only
/// leaves the buffer to the garbage collector: the pool does not need its arrays back. The buffer is the frame's own
/// copy, never the array of the user's <see cref="Message"/>, so recycling it cannot change a message anyone holds.</para>
/// <para>A frame from <see cref="Create"/> is not pooled (a topic keeps its frames for members that catch up later):
/// its references are not counted and <see cref="Release"/> does nothing.</para>
/// </remarks>
internal sealed class PreparedFrame
{
    /// <summary>Frames kept for reuse: enough for the broadcasts in flight of a busy server; beyond it they are left
    /// to the garbage collector.</summary>
    private const int PoolSize = 256;

    private static readonly ConcurrentQueue<PreparedFrame> s_pool = new();
    private static int s_pooled;

    private readonly Lock _gate = new();
    private Message _message;
    private int _fragmentSize;
    private byte[] _bytes;
    private int _length;
    private bool _pooled;
    private int _references;
    private List<(System.IO.Compression.CompressionLevel Level, int WindowBits, byte[] Bytes)>? _compressed;

    private PreparedFrame(byte[] bytes, int length, Message message, int fragmentSize, bool pooled)
    {
        _bytes = bytes;
        Set(length, message, fragmentSize, pooled);
    }

    public ReadOnlyMemory<byte> Bytes => _bytes.AsMemory(0, _length);

    public int PayloadLength { get; private set; }

    /// <summary>Who else counts a drop of this frame (the topic that published it), or null for a broadcast. Set once,
    /// before the frame is shared.</summary>
    public IDropCounter? DropCounter { get; set; }

    /// <summary>True for a frame from <see cref="Rent"/> whose references are counted.</summary>
    public bool IsPooled => _pooled;

    /// <summary>The bytes for a connection: plain without permessage-deflate, otherwise as <see cref="GetBytes"/>
    /// picks them. A compressed frame was made with a fresh context, which any inflater reads; but the peer's window
    /// now holds its text and ours does not, so the connection's context is dropped before its next message.</summary>
    public ReadOnlySpan<byte> SelectFor(DeflateFrameWriter? deflate)
    {
        if (deflate is null)
        {
            return _bytes.AsSpan(0, _length);
        }

        var bytes = GetBytes(deflate.Settings, out var compressed);
        if (compressed)
        {
            deflate.ForgetContext();
        }

        return bytes.Span;
    }

    /// <summary>A frame of its own, not pooled: for frames kept beyond the send queues (a topic's held
    /// publications).</summary>
    public static PreparedFrame Create(Message message, int fragmentSize)
    {
        var writer = new ArrayBufferWriter<byte>(message.Data.Length + FrameHeader.MaxLength);
        FrameWriter.WriteMessage(writer, message.Type, message.Data.Span, fragmentSize, masks: null);
        return new PreparedFrame(writer.WrittenSpan.ToArray(), writer.WrittenCount, message, fragmentSize, pooled: false);
    }

    /// <summary>A pooled frame for a broadcast, holding one reference for the caller, who must <see cref="Release"/>
    /// it once it has offered the frame to every recipient. Nothing is allocated in the steady state.</summary>
    public static PreparedFrame Rent(Message message, int fragmentSize)
    {
        var payload = message.Data.Span;
        var fragments = fragmentSize > 0 && payload.Length > fragmentSize ? (payload.Length + fragmentSize - 1) / fragmentSize : 1;
        var bytes = ArrayPool<byte>.Shared.Rent(payload.Length + (fragments * FrameHeader.MaxLength));
        var length = WriteUnmasked(bytes, message.Type, payload, fragmentSize);
        if (s_pool.TryDequeue(out var frame))
        {
            Interlocked.Decrement(ref s_pooled);
            frame._bytes = bytes;
            frame.Set(length, message, fragmentSize, pooled: true);
            return frame;
        }

        return new PreparedFrame(bytes, length, message, fragmentSize, pooled: true);
    }

    /// <summary>Frames a message into <paramref name="destination"/> as <see cref="FrameWriter.WriteMessage"/> does
    /// for a server (unmasked, split into fragments of at most <paramref name="fragmentSize"/> bytes, 0 = one frame),
    /// without an <see cref="IBufferWriter{T}"/> to allocate.</summary>
    /// <returns>The number of bytes written.</returns>
    private static int WriteUnmasked(Span<byte> destination, MessageType type, ReadOnlySpan<byte> payload, int fragmentSize)
    {
        var opcode = type == MessageType.Text ? Opcode.Text : Opcode.Binary;
        var written = 0;
        while (true)
        {
            var last = fragmentSize <= 0 || payload.Length <= fragmentSize;
            var piece = last ? payload : payload[..fragmentSize];
            written += FrameWriter.WriteHeader(destination[written..], opcode, last, rsv1: false, piece.Length, maskKey: null);
            piece.CopyTo(destination[written..]);
            written += piece.Length;
            if (last)
            {
                return written;
            }

            payload = payload[fragmentSize..];
            opcode = Opcode.Continuation;
        }
    }

    /// <summary>Takes a reference for a send queue the frame is about to enter (pooled frames only).</summary>
    public void AddReference()
    {
        if (_pooled)
        {
            Interlocked.Increment(ref _references);
        }
    }

    /// <summary>Gives a reference back: the writer copied the frame, it was dropped, or the broadcaster is done with
    /// it. The last one returns the buffer and the frame to their pools.</summary>
    public void Release()
    {
        if (!_pooled)
        {
            return;
        }

        var left = Interlocked.Decrement(ref _references);
        if (left > 0)
        {
            return;
        }

        if (left < 0)
        {
            throw new InvalidOperationException("A broadcast frame was released more often than it was referenced.");
        }

        var bytes = _bytes;
        _bytes = [];
        _length = 0;
        _message = default;
        _compressed = null;
        DropCounter = null;
        ArrayPool<byte>.Shared.Return(bytes);
        if (Interlocked.Increment(ref s_pooled) <= PoolSize)
        {
            s_pool.Enqueue(this);
        }
        else
        {
            Interlocked.Decrement(ref s_pooled);
        }
    }

    private void Set(int length, Message message, int fragmentSize, bool pooled)
    {
        _length = length;
        _message = message;
        _fragmentSize = fragmentSize;
        _pooled = pooled;
        _references = 1;
        PayloadLength = message.Data.Length;
    }

    /// <summary>
    /// The frame for a connection that negotiated permessage-deflate. A compressed frame is shared by connections
    /// with different compression contexts, so it is compressed with none (a fresh window, as under no context
    /// takeover): every inflater can read it whatever its history. All connections of one server share one
    /// threshold and level, so this compresses once per broadcast and per window size the recipients agreed to (a
    /// frame compressed with a larger window than a recipient allowed would not be decodable there).
    /// </summary>
    /// <param name="compressed">True when the bytes are compressed (RSV1 set).</param>
    public ReadOnlyMemory<byte> GetBytes(DeflateSettings settings, out bool compressed)
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
            var writer = new ArrayBufferWriter<byte>(payload.Length + FrameHeader.MaxLength);
            FrameWriter.WriteMessage(writer, _message.Type, payload, _fragmentSize, masks: null, compressed: true);
            var bytes = writer.WrittenSpan.ToArray();
            _compressed.Add((settings.Level, settings.CompressWindowBits, bytes));
            return bytes;
        }
    }
}
