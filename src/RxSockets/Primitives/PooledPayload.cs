using System.Buffers;

namespace RxSockets;

/// <summary>
/// The owner of a received payload in a pooled array, behind a <see cref="MessageLease"/>: a <see cref="MemoryManager{T}"/>,
/// so the <see cref="Message"/> built over it carries its owner in its <see cref="Message.Data"/> and nothing else has
/// to travel with the message. Each use has a version: a lease remembers the version it was given, and only that
/// version's release gives the array back, once; an older lease's release, or a second one, does nothing.
/// </summary>
/// <remarks>The owner objects are recycled through a small per-thread cache, as the arrays are through
/// <see cref="ArrayPool{T}.Shared"/>, so a steady stream of leased messages allocates nothing. A lease never given back
/// costs nothing but the pool's chance to reuse its array: the garbage collector takes it.</remarks>
internal sealed class PooledPayload : MemoryManager<byte>
{
    private const int CacheSize = 256;

    // A cached owner keeps an array up to this size, so a steady stream of small messages does not go to the shared
    // array pool twice per message; larger arrays go back to the pool.
    private const int KeptArraySize = 4 * 1024;
    private const int SharedSize = 1024;

    // Owners given back on a thread whose cache is full go here, and a thread whose cache is empty takes from here:
    // a message is often received on one thread and given back on another (the consumer's, the writer's).
    private static readonly PooledPayload?[] s_shared = new PooledPayload?[SharedSize];
    private static readonly Lock s_sharedGate = new();
    private static int s_sharedCount;

    [ThreadStatic]
    private static PooledPayload?[]? t_cache;

    [ThreadStatic]
    private static int t_cached;

    private byte[] _array = [];
    private IPayloadLender? _lender;   // set while the array is lent by its owner (a receive buffer) instead of owned
    private int _version = 1;

    /// <summary>The version of the current use; a lease holds the one it was made with.</summary>
    public int Version => Volatile.Read(ref _version);

    /// <summary>An owner with an array of at least <paramref name="length"/> bytes (from the shared pool).</summary>
    public static PooledPayload Rent(int length)
    {
        var owner = TakeCached() ?? new PooledPayload();
        if (owner._array.Length < length)
        {
            if (owner._array.Length > 0)
            {
                ArrayPool<byte>.Shared.Return(owner._array);
            }

            owner._array = ArrayPool<byte>.Shared.Rent(length);
        }

        return owner;
    }

    /// <summary>An owner of <paramref name="rented"/>, an array the caller rented from the shared pool and hands over.</summary>
    public static PooledPayload Adopt(byte[] rented) => Over(rented, lender: null);

    /// <summary>An owner of bytes in <paramref name="array"/>, which <paramref name="lender"/> lends (a receive buffer,
    /// which no longer writes to them): giving the payload back ends the loan instead of pooling the array.</summary>
    public static PooledPayload Lent(byte[] array, IPayloadLender lender) => Over(array, lender);

    /// <summary>A cached (or new) owner over <paramref name="array"/>, the array it kept going back to the pool.</summary>
    private static PooledPayload Over(byte[] array, IPayloadLender? lender)
    {
        var owner = TakeCached() ?? new PooledPayload();
        if (owner._array.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(owner._array);
        }

        owner._array = array;
        owner._lender = lender;
        return owner;
    }

    /// <summary>True while the payload's bytes are lent (<see cref="Lent"/>) rather than owned.</summary>
    internal bool IsLent => _lender is not null;

    /// <summary>The whole array, to fill before the message is made.</summary>
    public byte[] Array => _array;

    /// <summary>True while <paramref name="version"/> is the current use (not yet given back).</summary>
    public bool IsLive(int version) => Volatile.Read(ref _version) == version;

    /// <summary>Ends the use <paramref name="version"/> without giving the array back: a sender takes the buffer over
    /// under a new version (<paramref name="next"/>), so every copy of the sender's lease is over at once.</summary>
    /// <returns>False when that use was already over.</returns>
    public bool TryHandOver(int version, out int next)
    {
        next = NextVersion(version);
        return Interlocked.CompareExchange(ref _version, next, version) == version;
    }

    /// <summary>Gives the array back to the pool if <paramref name="version"/> is the current use; once only.</summary>
    /// <returns>False when that use was already given back.</returns>
    public bool Release(int version)
    {
        if (Interlocked.CompareExchange(ref _version, NextVersion(version), version) != version)
        {
            return false;
        }

        if (_lender is { } lender)
        {
            _lender = null;
            _array = [];
            lender.EndLoan();
        }
        else if (_array.Length > KeptArraySize)
        {
            ArrayPool<byte>.Shared.Return(_array);
            _array = [];
        }

        var cache = t_cache ??= new PooledPayload?[CacheSize];
        if (t_cached < CacheSize)
        {
            cache[t_cached++] = this;
            return true;
        }

        // Owners in the shared pool keep no array: it would be held however long the owner waits there.
        if (_array.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(_array);
            _array = [];
        }

        lock (s_sharedGate)
        {
            if (s_sharedCount < SharedSize)
            {
                s_shared[s_sharedCount++] = this;
            }
        }

        return true;
    }

    // 0 means "not a lease" to the send queue: versions skip it when they wrap.
    private static int NextVersion(int version) => version == -1 ? 1 : version + 1;

    /// <summary>The owner of a message's payload, when the payload is pooled.</summary>
    public static PooledPayload? Of(ReadOnlyMemory<byte> data) =>
        System.Runtime.InteropServices.MemoryMarshal.TryGetMemoryManager(data, out PooledPayload? owner) ? owner : null;

    public override Span<byte> GetSpan() => _array;

    public override unsafe MemoryHandle Pin(int elementIndex = 0)
    {
        var handle = System.Runtime.InteropServices.GCHandle.Alloc(_array, System.Runtime.InteropServices.GCHandleType.Pinned);
        return new MemoryHandle((byte*)handle.AddrOfPinnedObject() + elementIndex, handle);
    }

    public override void Unpin()
    {
    }

    protected override bool TryGetArray(out ArraySegment<byte> segment)
    {
        segment = new ArraySegment<byte>(_array);
        return true;
    }

    protected override void Dispose(bool disposing)
    {
    }

    private static PooledPayload? TakeCached()
    {
        var cache = t_cache;
        if (cache is not null && t_cached > 0)
        {
            var owner = cache[--t_cached];
            cache[t_cached] = null;
            return owner;
        }

        if (Volatile.Read(ref s_sharedCount) == 0)
        {
            return null;
        }

        lock (s_sharedGate)
        {
            if (s_sharedCount == 0)
            {
                return null;
            }

            var owner = s_shared[--s_sharedCount];
            s_shared[s_sharedCount] = null;
            return owner;
        }
    }
}
