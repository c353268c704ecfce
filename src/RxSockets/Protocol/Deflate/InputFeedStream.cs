namespace RxSockets.Protocol.Deflate;

/// <summary>A read-only stream over the compressed bytes of one message followed by the <c>00 00 ff ff</c> tail that
/// RFC 7692 §7.2.2 tells the receiver to append; it reports the end (0) when both are read, and is fed again for the
/// next message, so one inflater keeps its window across messages. Not thread-safe.</summary>
internal sealed class InputFeedStream : Stream
{
    private static readonly byte[] s_tail = [0x00, 0x00, 0xff, 0xff];

    private ReadOnlyMemory<byte> _data;
    private ReadOnlyMemory<byte> _tail;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    /// <summary>Bytes not read yet.</summary>
    public int Remaining => _data.Length + _tail.Length;

    /// <summary>Starts the next message: its compressed payload, then the tail.</summary>
    public void Feed(ReadOnlyMemory<byte> data)
    {
        _data = data;
        _tail = s_tail;
    }

    /// <summary>Drops the reference to the payload.</summary>
    public void Clear()
    {
        _data = default;
        _tail = default;
    }

    public override int Read(Span<byte> buffer)
    {
        var source = _data.IsEmpty ? _tail : _data;
        var count = Math.Min(source.Length, buffer.Length);
        source.Span[..count].CopyTo(buffer);
        if (_data.IsEmpty)
        {
            _tail = _tail[count..];
        }
        else
        {
            _data = _data[count..];
        }

        return count;
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
