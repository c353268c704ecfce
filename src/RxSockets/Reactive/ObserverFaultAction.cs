namespace RxSockets.Reactive;

/// <summary>An <see cref="IObserverFaults"/> that calls a delegate: for owners with one observer list or a few (a
/// client, a server, a topic), where a delegate per owner costs nothing that matters.</summary>
internal sealed class ObserverFaultAction(Action<Exception> onObserverFault) : IObserverFaults
{
    public void OnObserverFault(Exception error) => onObserverFault(error);

    /// <summary>The adapter for <paramref name="onObserverFault"/>, or null for none.</summary>
    public static IObserverFaults? For(Action<Exception>? onObserverFault) =>
        onObserverFault is null ? null : new ObserverFaultAction(onObserverFault);
}
