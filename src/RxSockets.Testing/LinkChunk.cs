namespace RxSockets.Testing;

/// <summary>One write (the bytes between two flushes) travelling through a <see cref="LinkDirection"/>, or the end of
/// the direction (<see cref="IsEnd"/>: the writer completed, with <see cref="Error"/> when it failed).</summary>
/// <param name="Data">The bytes; empty for the end.</param>
/// <param name="Accepted">Completed when the chunk left the link (delivered, held by a stall, or lost to a cut), with
/// false when the reading end is gone; null when nobody waits (the write was made during a stall).</param>
/// <param name="IsEnd">Whether this marks the end of the direction.</param>
/// <param name="Error">The writer's failure, passed on to the reader, for an end.</param>
internal sealed record LinkChunk(byte[] Data, TaskCompletionSource<bool>? Accepted, bool IsEnd, Exception? Error)
{
    public static LinkChunk End(Exception? error) => new([], null, true, error);
}
