using System.Text;

namespace RxSockets.Protocol.Handshake;

/// <summary>
/// A small, lossy table of recently decoded ASCII strings, so that equal text received again yields the instance
/// already made instead of a new one. A server keeps every connection's request, and the Host, the path and the
/// User-Agent of ten thousand clients are mostly the same few strings.
/// </summary>
/// <remarks>
/// Lock-free and thread-safe: each slot holds one string, replaced by the next different text that hashes to it. A race
/// costs one string, never a wrong one: a slot is only returned after its whole text compared equal.
/// </remarks>
internal sealed class RecentStrings
{
    /// <summary>Longer texts are decoded each time: they rarely repeat and would hold memory in the table.</summary>
    internal const int MaxLength = 256;

    private readonly string?[] _slots;

    /// <summary>Creates a table of <paramref name="capacity"/> slots, a power of two.</summary>
    public RecentStrings(int capacity)
    {
        if (capacity <= 0 || (capacity & (capacity - 1)) != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(capacity), capacity, "The capacity must be a power of two.");
        }

        _slots = new string?[capacity];
    }

    /// <summary>The string for <paramref name="ascii"/>: the instance made last time for the same text, or a new
    /// one; null when the bytes are not all ASCII or longer than <see cref="MaxLength"/>.</summary>
    public string? Get(ReadOnlySpan<byte> ascii)
    {
        if (ascii.IsEmpty)
        {
            return string.Empty;
        }

        if (ascii.Length > MaxLength || !Ascii.IsValid(ascii))
        {
            return null;
        }

        var hash = new HashCode();
        hash.AddBytes(ascii);
        ref var slot = ref _slots[hash.ToHashCode() & (_slots.Length - 1)];
        var cached = Volatile.Read(ref slot);
        if (cached is not null && Ascii.Equals(ascii, cached))
        {
            return cached;
        }

        var created = Encoding.ASCII.GetString(ascii);
        Volatile.Write(ref slot, created);
        return created;
    }
}
