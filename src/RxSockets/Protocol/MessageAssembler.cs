using System.Buffers;
using RxSockets.Protocol.Deflate;
using RxSockets.Protocol.Frames;

namespace RxSockets.Protocol;

/// <summary>
/// Assembles data frames into messages (RFC 6455 §5.4): continuation rules, the size and fragment-count limits, and
/// the incremental UTF-8 check of text. A single-frame message is copied once, straight into its own array. Under
/// permessage-deflate a message whose first frame has RSV1 is collected compressed, then inflated whole (capped by
/// the size limit) and its text checked after inflating. Not thread-safe: owned by one read loop.
/// </summary>
internal sealed class MessageAssembler
{
    private readonly long _maxMessageSize;
    private readonly int _maxFragments;
    private readonly bool _validateUtf8;
    private readonly PerMessageInflater? _inflater;
    private Utf8Validator _utf8;
    private byte[] _buffer = [];
    private bool _pooled;
    private PooledPayload? _owner;   // the single-frame message's pooled buffer, with pooled payloads
    private bool _pooledPayloads;    // as BeginFrame was told at the current message's first frame
    private int _length;
    private int _fragments;
    private MessageType? _type;
    private bool _fin;
    private bool _compressed;

    public MessageAssembler(long maxMessageSize, int maxFragments, bool validateUtf8, PerMessageInflater? inflater = null)
    {
        _maxMessageSize = maxMessageSize;
        _maxFragments = maxFragments;
        _validateUtf8 = validateUtf8;
        _inflater = inflater;
    }

    /// <summary>True between the first and the final frame of a fragmented message.</summary>
    public bool InMessage => _type.HasValue;

    /// <summary>Starts a data frame; the payload follows through <see cref="Append(ReadOnlySpan{byte}, int, int)"/>.</summary>
    /// <param name="header">The frame's header.</param>
    /// <param name="pooledPayloads">Read at a message's first frame: assemble it into a pooled buffer
    /// (<see cref="PooledPayload"/>), for a consumer that takes messages as <see cref="MessageLease"/>s and gives them
    /// back; otherwise the message gets an array of its own.</param>
    /// <exception cref="ProtocolException">Continuation rules or limits broken.</exception>
    public void BeginFrame(in FrameHeader header, bool pooledPayloads = false)
    {
        if (header.Opcode == Opcode.Continuation)
        {
            if (_type is null)
            {
                throw new ProtocolException(CloseCode.ProtocolError, "A continuation frame arrived with no message to continue.");
            }

            // RFC 7692 §6.1: RSV1 marks a compressed message on its first frame only.
            if (header.Rsv1)
            {
                throw new ProtocolException(CloseCode.ProtocolError, "RSV1 was set on a continuation frame.");
            }
        }
        else if (_type is not null)
        {
            throw new ProtocolException(CloseCode.ProtocolError, "A new data frame started inside a fragmented message.");
        }
        else
        {
            _type = header.Opcode == Opcode.Text ? MessageType.Text : MessageType.Binary;
            _compressed = header.Rsv1 && _inflater is not null;
            _pooledPayloads = pooledPayloads;
        }

        _fragments++;
        if (_maxFragments > 0 && _fragments > _maxFragments)
        {
            throw new ProtocolException(CloseCode.MessageTooBig, $"A message arrived in more than {_maxFragments} fragments.");
        }

        var total = _length + header.PayloadLength;
        if (total > _maxMessageSize)
        {
            throw new ProtocolException(CloseCode.MessageTooBig, $"A message exceeded the limit of {_maxMessageSize} bytes.");
        }

        _fin = header.Fin;
        Reserve((int)total);
    }

    /// <summary>Copies the next payload bytes of the current frame, unmasking and validating them.</summary>
    /// <returns>The mask offset for the next chunk of the same frame.</returns>
    public int Append(in ReadOnlySequence<byte> chunk, int maskKey, int maskOffset)
    {
        if (chunk.IsSingleSegment)
        {
            return Append(chunk.FirstSpan, maskKey, maskOffset);
        }

        var destination = _buffer.AsSpan(_length, (int)chunk.Length);
        var rest = destination;
        foreach (var piece in chunk)
        {
            maskOffset = Masking.CopyMasked(piece.Span, rest, maskKey, maskOffset);
            rest = rest[piece.Length..];
        }

        Appended(destination);
        return maskOffset;
    }

    /// <summary>As <see cref="Append(in ReadOnlySequence{byte}, int, int)"/>, from contiguous bytes.</summary>
    public int Append(ReadOnlySpan<byte> chunk, int maskKey, int maskOffset)
    {
        var destination = _buffer.AsSpan(_length, chunk.Length);
        maskOffset = Masking.CopyMasked(chunk, destination, maskKey, maskOffset);
        Appended(destination);
        return maskOffset;
    }

    private void Appended(ReadOnlySpan<byte> destination)
    {
        _length += destination.Length;
        if (_validateUtf8 && _type == MessageType.Text && !_compressed && !_utf8.Append(destination))
        {
            throw Utf8Validator.Invalid();
        }
    }

    /// <summary>Ends the current frame.</summary>
    /// <returns>True with the message when that frame was the final one.</returns>
    public bool EndFrame(out Message message)
    {
        message = default;
        if (!_fin)
        {
            return false;
        }

        if (_compressed)
        {
            message = Message.Create(_type!.Value, Inflate());   // _type is set: a frame is open
            Reset();
            return true;
        }

        if (_validateUtf8 && _type == MessageType.Text && !_utf8.IsComplete)
        {
            throw new ProtocolException(CloseCode.InvalidPayloadData, "A text message ended inside a UTF-8 sequence.");
        }

        message = Message.Create(_type!.Value, TakePayload());   // _type is set: a frame is open
        Reset();
        return true;
    }

    /// <summary>Drops a partial message and returns pooled memory.</summary>
    public void Reset()
    {
        if (_pooled)
        {
            ArrayPool<byte>.Shared.Return(_buffer);
        }

        _owner?.Release(_owner.Version);
        _owner = null;
        _buffer = [];
        _pooled = false;
        _length = 0;
        _fragments = 0;
        _type = null;
        _compressed = false;
        _utf8.Reset();
    }

    /// <summary>Releases the memory of a partial message and the inflater's zlib stream: the connection is over.</summary>
    public void Release()
    {
        Reset();
        _inflater?.Dispose();
    }

    private byte[] Inflate()
    {
        var payload = _inflater!.Inflate(_buffer.AsMemory(0, _length), _maxMessageSize);   // _compressed implies an inflater
        if (_validateUtf8 && _type == MessageType.Text)
        {
            Utf8Validator.CheckWhole(payload);
        }

        return payload;
    }

    private ReadOnlyMemory<byte> TakePayload()
    {
        if (_owner is { } owner)
        {
            // The pooled buffer becomes the message's: Reset must not give it back.
            _owner = null;
            _buffer = [];
            return owner.Memory[.._length];
        }

        if (!_pooled)
        {
            return _buffer;
        }

        if (_pooledPayloads)
        {
            // A fragmented message, assembled in a rented array: hand that array over instead of copying it.
            var adopted = PooledPayload.Adopt(_buffer);
            _pooled = false;
            _buffer = [];
            return adopted.Memory[.._length];
        }

        var exact = _buffer.AsSpan(0, _length).ToArray();
        return exact;
    }

    private void Reserve(int total)
    {
        if (total <= _buffer.Length)
        {
            return;
        }

        if (_fin && _fragments == 1 && !_compressed)
        {
            // A whole message in one frame: its array is the message's own, sized exactly (or a pooled one for leases).
            if (_pooledPayloads)
            {
                _owner = PooledPayload.Rent(total);
                _buffer = _owner.Array;
            }
            else
            {
                _buffer = new byte[total];
            }

            return;
        }

        var grown = ArrayPool<byte>.Shared.Rent(Math.Max(total, Math.Min(2 * _buffer.Length, (int)_maxMessageSize)));
        _buffer.AsSpan(0, _length).CopyTo(grown);
        if (_pooled)
        {
            ArrayPool<byte>.Shared.Return(_buffer);
        }

        _buffer = grown;
        _pooled = true;
    }
}
