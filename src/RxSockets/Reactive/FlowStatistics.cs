using RxSockets.Reactive;

namespace RxSockets;

/// <summary>Counters of the flow-control operators in <see cref="MessageFlowExtensions"/>: how many values they
/// received, delivered and dropped. One instance may be shared by several operators and subscriptions; it then sums
/// them all.</summary>
/// <remarks>Thread-safe. <see cref="Drops"/> notifies on the thread that delivered the dropping value (for a
/// connection, its delivery loop), one notification at a time; keep its observers quick.</remarks>
public sealed class FlowStatistics
{
    private readonly ObserverList<long> _drops = new();
    private readonly Lock _dropsGate = new();
    private long _received;
    private long _delivered;
    private long _dropped;

    /// <summary>Values that reached an operator's mailbox.</summary>
    public long Received => Interlocked.Read(ref _received);

    /// <summary>Values handed to a subscriber.</summary>
    public long Delivered => Interlocked.Read(ref _delivered);

    /// <summary>Values discarded by a lossy policy (drop oldest, drop newest, conflation). Every drop is counted.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>Values waiting in the mailboxes: received, not yet delivered nor dropped.</summary>
    public long Pending => Received - Delivered - Dropped;

    /// <summary>Emits the running <see cref="Dropped"/> total after every drop. Never completes.</summary>
    public IObservable<long> Drops => _drops;

    /// <summary>"received 10, delivered 4, dropped 6".</summary>
    public override string ToString() => $"received {Received}, delivered {Delivered}, dropped {Dropped}";

    internal void OnReceived() => Interlocked.Increment(ref _received);

    internal void OnDelivered() => Interlocked.Increment(ref _delivered);

    internal void OnDropped()
    {
        var total = Interlocked.Increment(ref _dropped);
        if (_drops.HasObservers)
        {
            lock (_dropsGate)
            {
                _drops.Next(total);
            }
        }
    }
}
