namespace RxSockets.Reactive;

/// <summary>Told when a subscriber throws (it is then unsubscribed). An owner with many observer lists implements it
/// once instead of giving each list a delegate: a connection's lists then cost no delegate object.</summary>
internal interface IObserverFaults
{
    void OnObserverFault(Exception error);
}
