namespace RxSockets.Reactive;

/// <summary>
/// The subscribers of a <see cref="ChannelObservable{T}"/> with what only a subscribed one needs: its pump's task and
/// the signal the pump waits on while nobody is subscribed. Made by the first subscription, so an enumerated (or
/// never consumed) channel holds none of it.
/// </summary>
internal sealed class PumpedObserverList<T>(IObserverFaults? onObserverFault) : ObserverList<T>(onObserverFault)
{
    /// <summary>Set when a subscriber arrives; made when the pump first finds nobody subscribed. A field, for
    /// <see cref="LazyInitializer"/>.</summary>
    public Transport.AsyncSignal? Subscribed;

    /// <summary>The pump's task, set once by the subscription that made the list.</summary>
    public Task Pump { get; set; } = Task.CompletedTask;
}
