namespace RxSockets.Server;

/// <summary>A connection's place in a topic, and the subscription that makes it leave when the connection closes.
/// Thread-safe: <see cref="Watch"/> and <see cref="Dispose"/> may race (a connection closing while it joins).</summary>
internal sealed class TopicMember(WebSocketConnection connection) : IDisposable
{
    private static readonly IDisposable s_disposed = System.Reactive.Disposables.Disposable.Empty;

    private IDisposable? _watch;

    public WebSocketConnection Connection { get; } = connection;

    /// <summary>Keeps the close subscription, or disposes it at once when the member already left.</summary>
    public void Watch(IDisposable subscription)
    {
        if (Interlocked.CompareExchange(ref _watch, subscription, null) is not null)
        {
            subscription.Dispose();
        }
    }

    public void Dispose()
    {
        var watch = Interlocked.Exchange(ref _watch, s_disposed);
        if (!ReferenceEquals(watch, s_disposed))
        {
            watch?.Dispose();
        }
    }
}
