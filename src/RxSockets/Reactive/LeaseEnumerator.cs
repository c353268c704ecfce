using RxSockets.Transport;

namespace RxSockets.Reactive;

/// <summary>
/// <see cref="WebSocketConnection.ReadLeasesAsync"/>: the connection's message enumeration, each message handed out as a
/// <see cref="MessageLease"/>. It is the queue enumerator itself, seen through the lease interfaces, rather than a
/// second object wrapping it (48 B less per waiting connection); getting the enumerator switches the connection to
/// pooled payloads.
/// </summary>
internal sealed class LeaseEnumerator(ConnectionDriver driver, ChannelObservable<Message> owner, BoundedQueue<Message> queue, CancellationToken cancellationToken)
    : QueueEnumerator<Message>(owner, queue, cancellationToken), IAsyncEnumerable<MessageLease>, IAsyncEnumerator<MessageLease>
{
    MessageLease IAsyncEnumerator<MessageLease>.Current => new(Current);

    IAsyncEnumerator<MessageLease> IAsyncEnumerable<MessageLease>.GetAsyncEnumerator(CancellationToken cancellationToken)
    {
        driver.UsePooledPayloads();
        return (LeaseEnumerator)GetAsyncEnumerator(cancellationToken);   // this, or another LeaseEnumerator (CreateAnother)
    }

    protected override QueueEnumerator<Message> CreateAnother(CancellationToken cancellationToken) =>
        new LeaseEnumerator(driver, Owner, Queue, cancellationToken);
}
