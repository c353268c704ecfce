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

    /// <summary>Handles every received message with <paramref name="handler"/>, called on the connection's read loop as
    /// each message is parsed — no queue, no thread hop and no asynchronous step per message while the handler keeps
    /// up — until the connection ends. The fastest way to consume a connection (uWebSockets' and ws's
    /// <c>on('message')</c>), and zero-copy: each message arrives as a <see cref="MessageLease"/> in a pooled buffer, to
    /// be disposed or sent on (<see cref="SendAsync(MessageLease, CancellationToken)"/>) by the handler.</summary>
    /// <param name="handler">Called once per message, in order, never concurrently. Keep it short: while it runs, the
    /// connection reads nothing. A task it returns that is not complete holds reading back until it completes
    /// (backpressure, as a slow consumer does), so an answer may be <c>return connection.SendAsync(...)</c>. If it
    /// throws (or its task faults), the connection fails with <see cref="CloseCode.InternalError"/> (1011) and the
    /// returned task faults with that exception.</param>
    /// <param name="cancellationToken">Stops the handling (not the connection): later messages wait in the
    /// connection's queue for the next consumer; a call already running finishes.</param>
    /// <returns>Completes when the connection has closed cleanly, after the last message was handled; faults with
    /// <see cref="ConnectionClosedException"/> otherwise, as <see cref="ReadAllAsync"/> ends. Its failure is the
    /// connection's, so, as with <see cref="Completion"/>, it need not be awaited to avoid an unobserved task
    /// exception.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="handler"/> is null.</exception>
    /// <exception cref="InvalidOperationException">The messages are already consumed through <see cref="Incoming"/>,
    /// an enumeration or another handler.</exception>
    /// <example>A zero-copy echo server's connection:
    /// <code>
    /// await connection.HandleMessagesAsync(lease => connection.SendAsync(lease));
    /// </code></example>
    public Task HandleMessagesAsync(Func<MessageLease, ValueTask> handler, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(handler);
        return HandleMessagesAsync(static (lease, handler) => handler(lease), handler, cancellationToken);
    }

    /// <summary>Handles every received message with <paramref name="handler"/> and <paramref name="state"/>, as
    /// <see cref="HandleMessagesAsync(Func{MessageLease, ValueTask}, CancellationToken)"/> does. With a static handler
    /// (a lambda that captures nothing) and the connection, or any object of the application, as the state, no
    /// delegate or closure is made per connection: what a server holding many mostly idle connections wants.</summary>
    /// <typeparam name="TState">What the handler needs besides the message.</typeparam>
    /// <param name="handler">As for the overload without a state, called with the message and
    /// <paramref name="state"/>.</param>
    /// <param name="state">Handed to every call of <paramref name="handler"/>.</param>
    /// <param name="cancellationToken">Stops the handling (not the connection).</param>
    /// <returns>As for the overload without a state.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="handler"/> is null.</exception>
    /// <exception cref="InvalidOperationException">The messages are already consumed through <see cref="Incoming"/>,
    /// an enumeration or another handler.</exception>
    /// <example>A zero-copy echo, one handler for every connection of the server:
    /// <code>
    /// _ = connection.HandleMessagesAsync(static (lease, connection) => connection.SendAsync(lease), connection);
    /// </code></example>
    public Task HandleMessagesAsync<TState>(Func<MessageLease, TState, ValueTask> handler, TState state, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(handler);
        if (cancellationToken.IsCancellationRequested)
        {
            return Task.FromCanceled(cancellationToken);
        }

        _driver.UsePooledPayloads();
        return new Reactive.MessageHandlerRunner<TState>(_incoming, _driver, handler, state, cancellationToken).Start();
    }

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
