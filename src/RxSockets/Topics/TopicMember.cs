namespace RxSockets.Topics;

/// <summary>A connection's place in a topic, and the subscription that makes it leave when the connection closes.
/// While it recovers (a join from a position) the live publications it is due wait here, in order, until the missed
/// ones were sent — at most <paramref name="limits"/>' count and bytes of them: past that they are let go (and every
/// later one until the next <see cref="TakeHeldOrGoLive"/>), and the recovery reads them again from the history.
/// Thread-safe: <see cref="Watch"/> and <see cref="Dispose"/> may race (a connection closing while it joins), and so
/// may <see cref="TryHold"/> and <see cref="TakeHeldOrGoLive"/>.</summary>
internal sealed class TopicMember(WebSocketConnection connection, TopicOptions? limits = null, bool protocol = false) : IDisposable
{
    private static readonly IDisposable s_disposed = System.Reactive.Disposables.Disposable.Empty;

    private readonly Lock _gate = new();
    private IDisposable? _watch;
    private List<(TopicPublication Publication, Transport.PreparedFrame Frame)>? _held = limits is null ? null : [];
    private long _heldBytes;
    private bool _overflowed;

    // Where the recovery had got to when the member went live: a publication at or below it was already sent (or
    // reported as a gap) by the recovery, though its live delivery on this node may come after — the history is
    // written before the nodes are told, so a recovery can read a publication its live delivery has yet to reach.
    private long _liveAfterOffset;
    private string? _liveAfterEpoch;

    public WebSocketConnection Connection { get; } = connection;

    /// <summary>Whether the member speaks the messaging protocol (<c>rxsockets.v1</c>): it is sent <c>p</c> and
    /// <c>gap</c> frames instead of the published messages and <see cref="TopicOptions.GapNotice"/>.</summary>
    public bool Protocol { get; } = protocol;

    /// <summary>Keeps a live publication for a member that is still recovering, or passes over one its recovery
    /// already sent; false when the member is live and is due this publication.</summary>
    public bool TryHold(TopicPublication publication, Transport.PreparedFrame frame)
    {
        if (Volatile.Read(ref _held) is null)
        {
            return publication.Offset > 0 && publication.Offset <= _liveAfterOffset && publication.Epoch == _liveAfterEpoch;
        }

        lock (_gate)
        {
            if (_held is null)
            {
                return false;
            }

            if (_overflowed)
            {
                return true;   // let go: the recovery reads it from the history
            }

            _held.Add((publication, frame));
            _heldBytes += frame.PayloadLength;
            if (_held.Count > 1 && (_held.Count > limits!.RecoveryBufferSize || _heldBytes > limits.RecoveryBufferBytes))
            {
                _held = [];
                _heldBytes = 0;
                _overflowed = true;
            }

            return true;
        }
    }

    /// <summary>The publications held since the last call, or null once none are: the member is then live.
    /// <paramref name="overflowed"/> says that some were let go since the last call (the list is then empty and the
    /// member still holds): read the history again from the last position sent. <paramref name="sent"/> is the last
    /// position the recovery sent: once live, publications at or below it are passed over.</summary>
    public List<(TopicPublication Publication, Transport.PreparedFrame Frame)>? TakeHeldOrGoLive(TopicPosition sent, out bool overflowed)
    {
        lock (_gate)
        {
            overflowed = _overflowed;
            var held = _held;
            if (overflowed)
            {
                _overflowed = false;
                return held;
            }

            if (held is null || held.Count == 0)
            {
                _liveAfterOffset = sent.Offset;
                _liveAfterEpoch = sent.Epoch;
                Volatile.Write(ref _held, null);   // publishes the two fields above to TryHold's unlocked read
                return null;
            }

            _held = [];
            _heldBytes = 0;
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
