using System.Buffers;

namespace RxSockets.Tests.Support;

/// <summary>Builds <see cref="ReadOnlySequence{T}"/> values split into several segments, as a transport delivers them.</summary>
internal static class Segments
{
    /// <summary>Splits <paramref name="data"/> at the given ascending positions (a position of 0 or the length
    /// makes an empty segment, which transports may produce too).</summary>
    public static ReadOnlySequence<byte> Split(byte[] data, params int[] cuts)
    {
        var first = new BufferSegment(data.AsMemory(0, cuts.Length == 0 ? data.Length : cuts[0]));
        var last = first;
        for (var i = 0; i < cuts.Length; i++)
        {
            var end = i + 1 < cuts.Length ? cuts[i + 1] : data.Length;
            last = last.Append(data.AsMemory(cuts[i], end - cuts[i]));
        }

        return new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length);
    }

    /// <summary>One segment per byte.</summary>
    public static ReadOnlySequence<byte> EveryByte(byte[] data) =>
        data.Length == 0 ? ReadOnlySequence<byte>.Empty : Split(data, Enumerable.Range(1, data.Length - 1).ToArray());
}
