namespace RxSockets.Tests.Fuzz;

/// <summary>One generated input: the bytes a peer sends to a connection playing <see cref="Target"/>, the chunk sizes
/// they arrive in, and how they were made (for the counterexample FsCheck prints).</summary>
internal sealed record FuzzCase(ConnectionRole Target, byte[] Stream, int[] Chunks, string Recipe)
{
    /// <summary>The stream cut into the chunks (the last chunk takes whatever is left).</summary>
    public IEnumerable<byte[]> Pieces()
    {
        var start = 0;
        foreach (var size in Chunks)
        {
            if (start >= Stream.Length)
            {
                yield break;
            }

            var length = Math.Min(size, Stream.Length - start);
            yield return Stream[start..(start + length)];
            start += length;
        }

        if (start < Stream.Length)
        {
            yield return Stream[start..];
        }
    }

    public override string ToString() =>
        $"{Target} <- {Stream.Length} bytes in chunks [{string.Join(",", Chunks)}]: {Recipe}\n{Convert.ToHexString(Stream)}";
}
