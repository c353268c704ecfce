using System.Buffers;

namespace RxSockets.Transport.Epoll;

/// <summary>
/// A pooled byte array as one link of a <see cref="ReadOnlySequence{T}"/>: bytes [0, <see cref="End"/>) hold data.
/// The segment objects themselves are recycled through a small per-thread cache, so steady-state reads and writes
/// allocate nothing, and an idle connection holds no segment and no array at all.
/// </summary>
internal sealed class PooledSegment : ReadOnlySequenceSegment<byte>
{
    private const int CacheSize = 16;

    [ThreadStatic]
    private static PooledSegment?[]? t_cache;

    [ThreadStatic]
    private static int t_cached;

    private byte[] _array = [];

    public byte[] Array => _array;

    public int End { get; private set; }

    public int Free => _array.Length - End;

    public new PooledSegment? Next => (PooledSegment?)base.Next;

    public Memory<byte> FreeMemory => _array.AsMemory(End);

    public Span<byte> FreeSpan => _array.AsSpan(End);

    /// <summary>A segment with an array of at least <paramref name="size"/> bytes, linked after
    /// <paramref name="previous"/> when given.</summary>
    public static PooledSegment Rent(int size, PooledSegment? previous)
    {
        var cache = t_cache;
        PooledSegment segment;
        if (cache is not null && t_cached > 0)
        {
            segment = cache[--t_cached]!;
            cache[t_cached] = null;
        }
        else
        {
            segment = new PooledSegment();
        }

        segment._array = ArrayPool<byte>.Shared.Rent(size);
        segment.End = 0;
        segment.Memory = ReadOnlyMemory<byte>.Empty;
        segment.RunningIndex = previous is null ? 0 : previous.RunningIndex + previous.End;
        previous?.SetNext(segment);
        return segment;
    }

    public void Commit(int count)
    {
        End += count;
        Memory = _array.AsMemory(0, End);
    }

    /// <summary>Returns the array to the pool and the segment to the cache; the caller drops its reference.</summary>
    public void Return()
    {
        ArrayPool<byte>.Shared.Return(_array);
        _array = [];
        End = 0;
        Memory = ReadOnlyMemory<byte>.Empty;
        base.Next = null;
        var cache = t_cache ??= new PooledSegment?[CacheSize];
        if (t_cached < CacheSize)
        {
            cache[t_cached++] = this;
        }
    }

    /// <summary>Drops the link to the next segment (which the caller has returned).</summary>
    public void UnlinkNext() => base.Next = null;

    private void SetNext(PooledSegment next) => base.Next = next;
}
