using RxSockets.Reactive;

namespace RxSockets.Connection;

/// <summary>
/// The parts of a <see cref="WebSocketConnection"/> that only some applications use (<c>States</c>, <c>Outgoing</c>,
/// <c>Pings</c>, <c>Pongs</c>, <c>Rtt</c>), each made on first use, behind one reference made with the first of them:
/// an idle connection that uses none holds one null field instead of five (32 B less per connection).
/// </summary>
/// <remarks>Fields, not properties, so that the connection can exchange them atomically where it did before, with
/// the same locks and fences.</remarks>
internal sealed class ConnectionWatchers
{
    public StateObservable<ConnectionState>? States;   // written under the connection's lock
    public OutgoingObserver? Outgoing;
    public ObserverList<ReadOnlyMemory<byte>>? Pings;
    public ObserverList<ReadOnlyMemory<byte>>? Pongs;
    public ObserverList<TimeSpan>? RoundTrips;
}
