namespace RxSockets;

/// <summary>The zero-copy surface: received messages in pooled buffers, handed back by disposing or sending them.</summary>
public sealed partial class WebSocketConnection
{
    /// <summary>Reads received messages as <see cref="MessageLease"/>s with <c>await foreach</c>: from the next message
    /// on, each payload is assembled in a pooled buffer instead of an array of its own, and goes back to the pool when
    /// the lease is disposed or sent with <see cref="SendAsync(MessageLease, CancellationToken)"/>. A consumer that does
    /// either for every lease allocates nothing per message. Ends and throws as <see cref="ReadAllAsync"/> does.</summary>
    /// <param name="cancellationToken">Stops the enumeration (not the connection).</param>
    /// <returns>The leases, in order. A lease is valid until it is disposed or sent (see <see cref="MessageLease"/>).</returns>
    /// <exception cref="InvalidOperationException">The messages are already consumed through <see cref="Incoming"/>,
    /// or another enumeration is running.</exception>
    /// <example>A zero-copy echo:
    /// <code>
    /// await foreach (var lease in connection.ReadLeasesAsync())
    /// {
    ///     await connection.SendAsync(lease);   // the same buffer goes out, then back to the pool
    /// }
    /// </code></example>
    public IAsyncEnumerable<MessageLease> ReadLeasesAsync(CancellationToken cancellationToken = default) =>
        new Reactive.LeaseEnumerator(_driver, _incoming, _incoming.Queue!, cancellationToken);   // the driver's inbound is a BoundedQueue

    /// <summary>Queues a leased message, taking the lease over: its buffer goes back to the pool once the message is
    /// written (or with the connection, if it never is). Do not use or dispose the lease afterwards.</summary>
    /// <param name="lease">A live lease, from <see cref="ReadLeasesAsync"/> of this or any connection.</param>
    /// <param name="cancellationToken">Cancels the wait for room in the queue.</param>
    /// <returns>Completes when queued, waiting while the send queue is full.</returns>
    /// <exception cref="ObjectDisposedException">The lease is already over (disposed or sent).</exception>
    /// <exception cref="ConnectionClosedException">In the task: the connection is closing or closed.</exception>
    public ValueTask SendAsync(MessageLease lease, CancellationToken cancellationToken = default) =>
        _driver.Outbox.SendAsync(lease, cancellationToken);
}
