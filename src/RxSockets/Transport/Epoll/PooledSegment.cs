using System.Buffers;

namespace RxSockets.Transport.Epoll;

/// <summary>
/// A pooled byte array as one link of a <see cref="ReadOnlySequence{T}"/>: bytes [0, <see cref="End"/>) hold data.
/// The segment objects themselves are recycled through a small per-thread cache, so steady-state reads and writes
/// allocate nothing, and an idle connection holds no segment and no array at all.
/// </summary>
/// <remarks>A received payload can be lent out of the segment instead of copied (<see cref="Lend"/>): the segment then
/// counts its holders (the pipe that rented it, and each lease), and the array goes back to the pool, and the segment to
/// the cache, when the last of them lets go. Until then nothing writes to the lent bytes: a reader only ever appends
/// after <see cref="End"/>.</remarks>
internal sealed class PooledSegment : ReadOnlySequenceSegment<byte>, IPayloadLender
{
    private const int CacheSize = 16;

    [ThreadStatic]
    private static PooledSegment?[]? t_cache;

    [ThreadStatic]
    private static int t_cached;

    private byte[] _array = [];
    private int _holders;   // the pipe that rented the segment, and each lease over its bytes

    public byte[] Array => _array;

    public int End { get; private set; }

    public int Free => _array.Length - End;

    /// <summary>The pipe, while it holds the segment, and each lease over its bytes (0 once recycled).</summary>
    internal int Holders => Volatile.Read(ref _holders);

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
        segment._holders = 1;
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

    /// <summary>Lends bytes [<paramref name="offset"/>, <paramref name="offset"/> + <paramref name="length"/>) as the
    /// payload of a leased message, without copying them: the array stays out of the pool until the lease is over too.
    /// Only the pipe that rented the segment calls this, while it holds the segment.</summary>
    public ReadOnlyMemory<byte> Lend(int offset, int length)
    {
        Interlocked.Increment(ref _holders);
        return PooledPayload.Lent(_array, this).Memory.Slice(offset, length);
    }

    /// <summary>The pipe is done with the segment: returns the array to the pool and the segment to the cache, or, while
    /// leases still hold its bytes, leaves that to the last of them. The caller drops its reference.</summary>
    public void Return()
    {
        // Only the pipe adds holders, so a segment it holds alone (the common case) needs no interlocked operation.
        base.Next = null;
        if (Volatile.Read(ref _holders) == 1 || Interlocked.Decrement(ref _holders) == 0)
        {
            Recycle();
        }
    }

    void IPayloadLender.EndLoan()
    {
        if (Interlocked.Decrement(ref _holders) == 0)
        {
            Recycle();
        }
    }

    private void Recycle()
    {
        _holders = 0;
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
