namespace RxSockets.Reactive;

/// <summary>The current value, then every change, then completion (a behaviour subject without the subject).
/// Thread-safe.</summary>
internal sealed class StateObservable<T>(T initial, Action<Exception>? onObserverFault = null) : IObservable<T>
{
    private readonly object _gate = new();
    private readonly ObserverList<T> _observers = new(onObserverFault);
    private T _value = initial;

    public T Value
    {
        get
        {
            lock (_gate)
            {
                return _value;
            }
        }
    }

    public IDisposable Subscribe(IObserver<T> observer)
    {
        lock (_gate)
        {
            // Under the gate, so no change can slip between the replayed value and the subscription.
            observer.OnNext(_value);
            return _observers.Subscribe(observer);
        }
    }

    public void Set(T value, bool final = false)
    {
        lock (_gate)
        {
            _value = value;
            _observers.Next(value);
            if (final)
            {
                _observers.Complete();
            }
        }
    }
}
