namespace RxSockets.Transport;

/// <summary>What a <see cref="SendQueue"/> runs when there is something to write: one pass that writes and flushes
/// until the queue is empty (then <see cref="SendQueue.TryGoIdle"/>) or the connection is done writing (then
/// <see cref="SendQueue.WriterFinished"/>).</summary>
internal interface IOutboundWriter
{
    /// <summary>Writes what is queued. Never faults: a failure ends the connection instead.</summary>
    Task WritePassAsync();
}
