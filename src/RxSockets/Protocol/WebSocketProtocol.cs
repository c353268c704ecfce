using System.Buffers;
using RxSockets.Protocol.Deflate;
using RxSockets.Protocol.Frames;

namespace RxSockets.Protocol;

/// <summary>
/// The inbound side of RFC 6455, sans-I/O: bytes in, events out. It streams data payloads into the
/// <see cref="MessageAssembler"/> as they arrive (a large frame never has to fit the transport's buffer) and hands
/// control frames over whole. Not thread-safe: owned by one read loop. Never awaits.
/// </summary>
internal sealed class WebSocketProtocol
{
    // A leased message of at least this size that lies whole in one receive segment, and fills at least 1/8 of it, is
    // lent from that segment instead of copied (IPayloadLender): holding the lease then holds at most 8× its size.
    internal const int LentPayloadMinimum = 16 * 1024;
    private const int LentSegmentShare = 8;

    private readonly bool _expectMasked;
    private readonly bool _validateUtf8;
    private readonly int _maxFragments;
    private readonly long _maxMessageSize;
    private readonly PerMessageInflater? _inflater;
    private MessageAssembler? _assembler;   // made by the first data frame: an idle connection never needs one
    private volatile bool _pooledPayloads;
    private long _payloadRemaining;
    private bool _inDataFrame;
    private int _maskKey;
    private int _maskOffset;

    /// <param name="inflater">The permessage-deflate inflater when the extension was negotiated: RSV1 is then
    /// allowed on data frames (RFC 7692 §6); null otherwise, and RSV1 fails the connection with 1002.</param>
    public WebSocketProtocol(ConnectionRole role, long maxMessageSize, int maxFragments, bool validateUtf8 = true, PerMessageInflater? inflater = null)
    {
        _expectMasked = role == ConnectionRole.Server;
        _maxMessageSize = maxMessageSize;
        _maxFragments = maxFragments;
        _validateUtf8 = validateUtf8;
        _inflater = inflater;
        AllowedRsv = inflater is null ? (byte)0 : (byte)0x4;
    }

    /// <summary>Assembles messages into pooled buffers (see <see cref="MessageAssembler.BeginFrame"/>); set from any
    /// thread, it takes effect from the next message.</summary>
    public bool PooledPayloads
    {
        get => _pooledPayloads;
        set => _pooledPayloads = value;
    }

    /// <summary>RSV bits an extension has claimed (RSV1 = 0x4 for permessage-deflate); 0 without extensions.</summary>
    public byte AllowedRsv { get; set; }

    /// <summary>
    /// Consumes bytes from <paramref name="buffer"/> up to the next event. On <see cref="ProtocolEvent.NeedMoreData"/>
    /// the consumed part is gone from <paramref name="buffer"/> and the rest must be offered again with more bytes.
    /// </summary>
    /// <param name="buffer">The unread bytes; advanced past what was consumed.</param>
    /// <param name="message">The completed message, for <see cref="ProtocolEvent.Message"/>.</param>
    /// <param name="control">The control frame's unmasked payload, for ping, pong and close.</param>
    /// <exception cref="ProtocolException">The peer broke the protocol or a limit: fail the connection with its code.</exception>
    public ProtocolEvent Read(ref ReadOnlySequence<byte> buffer, out Message message, out byte[] control)
    {
        message = default;
        control = [];
        while (true)
        {
            if (_inDataFrame)
            {
                var take = Math.Min(_payloadRemaining, buffer.Length);
                if (take > 0)
                {
                    _maskOffset = _assembler!.Append(buffer.Slice(0, take), _maskKey, _maskOffset);
                    buffer = buffer.Slice(take);
                    _payloadRemaining -= take;
                }

                if (_payloadRemaining > 0)
                {
                    return ProtocolEvent.NeedMoreData;
                }

                _inDataFrame = false;
                if (_assembler!.EndFrame(out message))
                {
                    return ProtocolEvent.Message;
                }
            }

            var first = buffer.FirstSpan;
            if (!FrameHeader.TryParse(buffer, _expectMasked, AllowedRsv, _maxMessageSize, out var header))
            {
                return ProtocolEvent.NeedMoreData;
            }

            if (header.IsControl)
            {
                var frameLength = header.HeaderLength + header.PayloadLength;
                if (buffer.Length < frameLength)
                {
                    return ProtocolEvent.NeedMoreData;
                }

                control = buffer.Slice(header.HeaderLength, header.PayloadLength).ToArray();
                Masking.Apply(control, header.MaskKey, 0);
                buffer = buffer.Slice(frameLength);
                return header.Opcode switch
                {
                    Opcode.Ping => ProtocolEvent.Ping,
                    Opcode.Pong => ProtocolEvent.Pong,
                    _ => ProtocolEvent.Close,
                };
            }

            if (TryLend(header, ref buffer, first.Length, out message))
            {
                return ProtocolEvent.Message;
            }

            _assembler ??= new MessageAssembler(_maxMessageSize, _maxFragments, _validateUtf8, _inflater);
            _assembler.BeginFrame(header, _pooledPayloads);
            if (header.HeaderLength + header.PayloadLength <= first.Length)
            {
                // The common case: the whole frame in the first segment, taken from the span in one step (one slice of
                // the sequence instead of three, no enumeration of its segments).
                var frameLength = header.HeaderLength + (int)header.PayloadLength;
                _assembler.Append(first[header.HeaderLength..frameLength], header.MaskKey, 0);
                buffer = buffer.Slice(frameLength);
                if (_assembler.EndFrame(out message))
                {
                    return ProtocolEvent.Message;
                }

                continue;
            }

            buffer = buffer.Slice(header.HeaderLength);
            _payloadRemaining = header.PayloadLength;
            _maskKey = header.MaskKey;
            _maskOffset = 0;
            _inDataFrame = true;
        }
    }

    /// <summary>Zero-copy receive: a large unfragmented, uncompressed message for a lease consumer, whole in the first
    /// segment of the epoll pipe (an <see cref="IPayloadLender"/>), becomes a message over that segment's bytes, unmasked
    /// and its text checked in place.</summary>
    private bool TryLend(in FrameHeader header, ref ReadOnlySequence<byte> buffer, int firstLength, out Message message)
    {
        message = default;
        var frameLength = header.HeaderLength + header.PayloadLength;
        if (!_pooledPayloads || !header.Fin || header.Rsv1 || header.Opcode == Opcode.Continuation
            || header.PayloadLength < LentPayloadMinimum || frameLength > firstLength
            || _assembler is { InMessage: true }
            || buffer.Start.GetObject() is not IPayloadLender lender
            || header.PayloadLength * LentSegmentShare < lender.Array.Length)
        {
            return false;
        }

        var offset = buffer.Start.GetInteger() + header.HeaderLength;
        var length = (int)header.PayloadLength;
        var payload = lender.Array.AsSpan(offset, length);
        if (header.Masked)
        {
            // The pipe never reads these bytes again: the frame is consumed below.
            Masking.Apply(payload, header.MaskKey, 0);
        }

        var type = header.Opcode == Opcode.Text ? MessageType.Text : MessageType.Binary;
        if (_validateUtf8 && type == MessageType.Text)
        {
            Utf8Validator.CheckWhole(payload);
        }

        message = Message.Create(type, lender.Lend(offset, length));
        buffer = buffer.Slice(frameLength);
        return true;
    }

    /// <summary>Releases the memory of a message left unfinished by a closing connection.</summary>
    public void Reset()
    {
        if (_assembler is { } assembler)
        {
            assembler.Release();
        }
        else
        {
            _inflater?.Dispose();
        }
    }
}
