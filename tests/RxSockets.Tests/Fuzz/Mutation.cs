namespace RxSockets.Tests.Fuzz;

/// <summary>One damage done to a valid frame stream. Positions are taken modulo the stream's length, so any
/// generated values apply to any stream.</summary>
internal sealed record Mutation(MutationKind Kind, int Position, int Value, byte[] Bytes)
{
    public byte[] Apply(byte[] stream, byte[] other)
    {
        if (stream.Length == 0)
        {
            return Kind == MutationKind.InsertGarbage ? Bytes : stream;
        }

        var at = Position % stream.Length;
        switch (Kind)
        {
            case MutationKind.FlipBit:
                var flipped = (byte[])stream.Clone();
                flipped[at] ^= (byte)(1 << (Value % 8));
                return flipped;
            case MutationKind.SetByte:
                var set = (byte[])stream.Clone();
                set[at] = (byte)Value;
                return set;
            case MutationKind.Truncate:
                return stream[..at];
            case MutationKind.InsertGarbage:
                return [.. stream[..at], .. Bytes, .. stream[at..]];
            case MutationKind.DeleteRange:
                return [.. stream[..at], .. stream[Math.Min(stream.Length, at + 1 + Value % 16)..]];
            case MutationKind.DuplicateRange:
                var end = Math.Min(stream.Length, at + 1 + Value % 32);
                return [.. stream[..end], .. stream[at..]];
            default:
                // Splice: the head of this stream, then the tail of another valid stream.
                var cut = other.Length == 0 ? 0 : Value % other.Length;
                return [.. stream[..at], .. other[cut..]];
        }
    }

    public override string ToString() => $"{Kind}@{Position}:{Value}" + (Bytes.Length > 0 ? $"[{Convert.ToHexString(Bytes)}]" : "");
}
