using RxSockets.Transport;

namespace RxSockets.Reactive;

/// <summary>
/// <see cref="WebSocketConnection.ReadLeasesAsync"/>: the connection's message enumeration, each message handed out as a
/// <see cref="MessageLease"/>. One small object over the queue's own enumerator instead of a compiler-made iterator
/// (which would be a second state machine per waiting connection); getting the enumerator switches the connection to
/// pooled payloads.
/// </summary>
internal sealed class LeaseEnumerable(ConnectionDriver driver, IAsyncEnumerable<Message> messages)
    : IAsyncEnumerable<MessageLease>, IAsyncEnumerator<MessageLease>
{
    private IAsyncEnumerator<Message>? _inner;
    private int _taken;

    public MessageLease Current => new(_inner!.Current);

    public IAsyncEnumerator<MessageLease> GetAsyncEnumerator(CancellationToken cancellationToken = default)
    {
        if (Interlocked.Exchange(ref _taken, 1) == 1)
        {
            return new LeaseEnumerable(driver, messages).GetAsyncEnumerator(cancellationToken);
        }

        driver.UsePooledPayloads();
        _inner = messages.GetAsyncEnumerator(cancellationToken);
        return this;
    }

    public ValueTask<bool> MoveNextAsync() => _inner!.MoveNextAsync();

    public ValueTask DisposeAsync() => _inner?.DisposeAsync() ?? default;
}
