namespace RxSockets.Reactive;

/// <summary>The current value, then every change, then completion (a behaviour subject without the subject).
/// Thread-safe.</summary>
internal sealed class StateObservable<T> : IObservable<T>
{
    private readonly object _gate = new();
    private readonly ObserverList<T> _observers;
    private T _value;
    private bool _completed;

    public StateObservable(T initial, Action<Exception>? onObserverFault = null)
        : this(initial, ObserverFaultAction.For(onObserverFault))
    {
    }

    public StateObservable(T initial, IObserverFaults? onObserverFault)
    {
        _value = initial;
        _observers = new ObserverList<T>(onObserverFault);
    }

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

    public void Set(T value, bool final = false) => Set(value, final, onlyIfChanged: false);

    /// <summary>As <see cref="Set(T, bool)"/>, but a value equal to the current one is not repeated (unless it is the
    /// final one, which completes).</summary>
    public void SetIfChanged(T value, bool final = false) => Set(value, final, onlyIfChanged: true);

    private void Set(T value, bool final, bool onlyIfChanged)
    {
        lock (_gate)
        {
            if (_completed)
            {
                return;   // after completion nothing more is told
            }

            if (!onlyIfChanged || !EqualityComparer<T>.Default.Equals(value, _value))
            {
                _value = value;
                _observers.Next(value);
            }

            _completed = final;
            if (final)
            {
                _observers.Complete();
            }
        }
    }
}
