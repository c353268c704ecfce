namespace RxSockets.Server;

/// <summary>A connection's place in a topic, and the subscription that makes it leave when the connection closes.
/// While it recovers (a join from a position) the live publications it is due wait here, in order, until the missed
/// ones were sent. Thread-safe: <see cref="Watch"/> and <see cref="Dispose"/> may race (a connection closing while it
/// joins), and so may <see cref="TryHold"/> and <see cref="TakeHeldOrGoLive"/>.</summary>
internal sealed class TopicMember(WebSocketConnection connection, bool recovering = false) : IDisposable
{
    private static readonly IDisposable s_disposed = System.Reactive.Disposables.Disposable.Empty;

    private readonly Lock _gate = new();
    private IDisposable? _watch;
    private List<(TopicPublication Publication, Transport.PreparedFrame Frame)>? _held = recovering ? [] : null;

    public WebSocketConnection Connection { get; } = connection;

    /// <summary>Keeps a live publication for a member that is still recovering; false when the member is live.</summary>
    public bool TryHold(TopicPublication publication, Transport.PreparedFrame frame)
    {
        if (Volatile.Read(ref _held) is null)
        {
            return false;
        }

        lock (_gate)
        {
            if (_held is null)
            {
                return false;
            }

            _held.Add((publication, frame));
            return true;
        }
    }

    /// <summary>The publications held since the last call, or null once none are: the member is then live.</summary>
    public List<(TopicPublication Publication, Transport.PreparedFrame Frame)>? TakeHeldOrGoLive()
    {
        lock (_gate)
        {
            var held = _held;
            if (held is null || held.Count == 0)
            {
                Volatile.Write(ref _held, null);
                return null;
            }

            _held = [];
            return held;
        }
    }

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
