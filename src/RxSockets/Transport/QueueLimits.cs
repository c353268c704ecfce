namespace RxSockets.Transport;

/// <summary>
/// The bounds of a <see cref="BoundedQueue{T}"/> (its capacity in items, its budget in bytes and how an item's bytes
/// are counted), shared by the queues made with the same ones: a server makes every connection's queue from the same
/// settings, so each queue holds one reference to them instead of a copy of its own (12 B less per queue).
/// </summary>
/// <remarks>Immutable, so sharing needs no synchronisation. <see cref="Of"/> remembers the last few distinct bounds
/// per item type rather than one, so that a process holding a server's and a client's queues of the same item type
/// (their settings and size functions differ) does not make a new instance for every queue by alternating between
/// them. Size functions are compared as delegates are (the same method on the same target): every caller passes a
/// static lambda.</remarks>
internal sealed class QueueLimits<T>
{
    private const int Remembered = 4;

    private static readonly QueueLimits<T>?[] s_recent = new QueueLimits<T>?[Remembered];
    private static int s_next;

    private QueueLimits(int capacity, long maxBytes, Func<T, int>? size)
    {
        Capacity = capacity;
        MaxBytes = maxBytes;
        Size = size;
    }

    /// <summary>The most items held.</summary>
    public int Capacity { get; }

    /// <summary>The most bytes held, as <see cref="Size"/> counts them.</summary>
    public long MaxBytes { get; }

    /// <summary>The bytes an item holds; null when only items are counted.</summary>
    public Func<T, int>? Size { get; }

    /// <summary>These bounds: a remembered instance when one matches, a new one (remembered in place of the oldest)
    /// otherwise. Thread-safe: racing callers may each make one, which costs an object, never a wrong answer.</summary>
    public static QueueLimits<T> Of(int capacity, long maxBytes, Func<T, int>? size)
    {
        for (var i = 0; i < Remembered; i++)
        {
            if (Volatile.Read(ref s_recent[i]) is { } known && known.Capacity == capacity && known.MaxBytes == maxBytes && known.Size == size)
            {
                return known;
            }
        }

        var limits = new QueueLimits<T>(capacity, maxBytes, size);
        Volatile.Write(ref s_recent[(int)((uint)Interlocked.Increment(ref s_next) % Remembered)], limits);
        return limits;
    }
}
