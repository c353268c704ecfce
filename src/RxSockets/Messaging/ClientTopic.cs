using RxSockets.Messaging;
using RxSockets.Reactive;

namespace RxSockets;

/// <summary>
/// A topic of the messaging protocol seen from a <see cref="WebSocketClient"/> (<see cref="WebSocketClient.Topic"/>,
/// one instance per name): its publications as an <see cref="IObservable{T}"/> or with <see cref="ReadAllAsync"/>, in
/// order, across reconnects, each exactly once.
/// </summary>
/// <remarks>
/// <para><b>Subscription.</b> The first observer (or enumeration) subscribes the client to the topic (live: from the
/// next publication), the last one to leave unsubscribes it. While subscribed, every reconnect subscribes again from
/// <see cref="Position"/>: the server sends what was missed, then live publications; publications at or below the
/// position are dropped, so none arrives twice. A gap the server cannot fill is reported on <see cref="Gaps"/> (and
/// <see cref="WebSocketClient.Events"/>), and the subscription goes on live.</para>
/// <para><b>Refusal.</b> When the server refuses the subscription (an <c>err</c>: <see cref="MessagingErrorCodes.Forbidden"/>,
/// <see cref="MessagingErrorCodes.Limit"/>…), every observer ends with a <see cref="RequestFailedException"/> carrying
/// its code and reason; a later observer asks again.</para>
/// <para><b>Backpressure.</b> Observers are called on the client's read loop, one publication at a time: a slow
/// observer slows the socket. Each <see cref="ReadAllAsync"/> enumeration buffers at most
/// <see cref="ConnectionOptions.ReceiveQueueCapacity"/> publications; when it is full the read loop waits for it.</para>
/// <para><b>End.</b> Observers complete and enumerations end when the client is disposed.</para>
/// <para>Thread-safe.</para>
/// </remarks>
public sealed partial class ClientTopic : IObservable<Message>
{
    // This file: the subscription and its position. Handing publications to the observers and enumerations, and
    // ending them, is in Messaging/ClientTopic.Sinks.cs.
    private readonly ClientMessaging _owner;
    private readonly ObserverList<ClientTopicGap> _gaps;
    private Sink[] _sinks = [];
    private TopicPosition? _position;
    private bool _positionInCycle;   // a position was processed since the topic was last wanted: recover from it
    private bool _ended;
    private long _stalls;

    internal ClientTopic(ClientMessaging owner, string name)
    {
        _owner = owner;
        Name = name;
        _gaps = new ObserverList<ClientTopicGap>(owner.OnObserverFault);
    }

    /// <summary>The topic's name.</summary>
    public string Name { get; }

    /// <summary>The position of the last publication processed (or where the subscription stands after the server's
    /// answer or a gap); null before any.</summary>
    public TopicPosition? Position
    {
        get
        {
            lock (_owner.Gate)
            {
                return _position;
            }
        }
    }

    /// <summary>Every gap of this topic's subscription (hot); completes when the client is disposed.</summary>
    public IObservable<ClientTopicGap> Gaps => _gaps;

    /// <summary>How many times the read loop had to wait for room in an enumeration's buffer (backpressure).</summary>
    internal long Stalls => Interlocked.Read(ref _stalls);

    /// <summary>Whether an observer or enumeration wants the topic (guarded by the owner's gate).</summary>
    internal bool Wanted => _sinks.Length > 0;

    /// <summary>Where the subscription stands on the current connection (guarded by the owner's gate).</summary>
    internal SubscriptionState State { get; set; }

    /// <summary>The id of the <c>sub</c> or <c>unsub</c> awaiting its answer (guarded by the owner's gate).</summary>
    internal long PendingId { get; set; }

    /// <summary>The position to recover from on a reconnect: null when none was processed since the topic was last
    /// wanted, so a new subscription starts live (guarded by the owner's gate).</summary>
    internal TopicPosition? RecoverFrom => _positionInCycle ? _position : null;

    /// <summary>Subscribes an observer; the first one subscribes the client to the topic.</summary>
    /// <param name="observer">Receives every publication's payload, on the client's read loop.</param>
    /// <returns>Disposing it unsubscribes the observer (and the client from the topic after the last one).</returns>
    public IDisposable Subscribe(IObserver<Message> observer)
    {
        ArgumentNullException.ThrowIfNull(observer);
        var sink = new Sink(observer, null);
        return Add(sink) ? new Subscription(this, sink) : System.Reactive.Disposables.Disposable.Empty;
    }

    /// <summary>Reads the topic's publications with <c>await foreach</c>; the enumeration counts as an observer while it
    /// runs (it subscribes on its first <c>MoveNextAsync</c>).</summary>
    /// <param name="cancellationToken">Stops the enumeration (not the client).</param>
    /// <returns>The publications' payloads; ends when the client is disposed.</returns>
    /// <exception cref="RequestFailedException">From the enumeration: the server refused the subscription.</exception>
    public IAsyncEnumerable<Message> ReadAllAsync(CancellationToken cancellationToken = default) => ReadCoreAsync(cancellationToken);

    /// <summary>Publishes to this topic; completes when the server acknowledged it (<c>puback</c>).</summary>
    /// <inheritdoc cref="WebSocketClient.PublishAsync(string, Message, CancellationToken)"/>
    public ValueTask<TopicPosition> PublishAsync(Message message, CancellationToken cancellationToken = default) =>
        _owner.PublishAsync(Name, message, cancellationToken);

    /// <summary>"ClientTopic prices at 42@e1".</summary>
    public override string ToString() => $"ClientTopic {Name} at {Position?.ToString() ?? "-"}";

    /// <summary>Takes a publication if it is new (same epoch, higher offset; or another epoch) and someone wants it:
    /// the position moves there. Called by the read loop under the owner's gate.</summary>
    internal Sink[]? Accept(TopicPosition position)
    {
        if (!Wanted || (_position is { } current && current.Epoch == position.Epoch && position.Offset <= current.Offset))
        {
            return null;
        }

        MoveTo(position);
        return _sinks;
    }

    /// <summary>Where a <c>subok</c> or a gap says the subscription stands: never backwards within an epoch.</summary>
    internal void Stand(TopicPosition position)
    {
        if (_position is not { } current || current.Epoch != position.Epoch || position.Offset > current.Offset)
        {
            MoveTo(position);
        }
        else
        {
            _positionInCycle = true;
        }
    }

    internal void ReportGap(ClientTopicGap gap)
    {
        Diagnostics.RxSocketsMetrics.TopicGap();
        _gaps.Next(gap);
    }

    /// <summary>Takes every observer and enumeration away, to be ended with <see cref="Terminate"/> outside the owner's
    /// gate (a refused subscription, or the client disposed). Called under the owner's gate.</summary>
    internal Sink[] TakeAll()
    {
        var sinks = _sinks;
        _sinks = [];
        return sinks;
    }

    /// <summary>The client is disposed: later observers complete at once.</summary>
    internal void End()
    {
        _ended = true;
    }

    internal void CompleteGaps() => _gaps.Complete();

    private void MoveTo(TopicPosition position)
    {
        _position = position;
        _positionInCycle = true;
    }

    /// <returns>False when the client is disposed (the sink was completed at once).</returns>
    private bool Add(Sink sink)
    {
        lock (_owner.Gate)
        {
            if (!_ended)
            {
                var first = _sinks.Length == 0;
                _sinks = [.. _sinks, sink];
                if (first)
                {
                    _positionInCycle = false;
                    _owner.Wanted(this);
                }

                return true;
            }
        }

        Terminate([sink], null);
        return false;
    }

    private void Remove(Sink sink)
    {
        lock (_owner.Gate)
        {
            var index = Array.IndexOf(_sinks, sink);
            if (index < 0)
            {
                return;
            }

            _sinks = [.. _sinks[..index], .. _sinks[(index + 1)..]];
            if (_sinks.Length == 0)
            {
                _owner.Unwanted(this);
            }
        }

        // A read loop waiting for room in this enumeration's buffer lets go.
        sink.Buffer?.Writer.TryComplete();
    }

    private sealed class Subscription(ClientTopic topic, Sink sink) : IDisposable
    {
        public void Dispose() => topic.Remove(sink);
    }
}
