using System.Reactive.Disposables;

namespace RxSockets.Reactive;

/// <summary>
/// A hot multicast source we never expose as a subject. A subscriber that throws is removed and reported through
/// <c>onObserverFault</c>, so its exception never runs back into the loop that produced the value. Late subscribers
/// receive the terminal notification. Thread-safe; <see cref="Next"/> must not be called concurrently with itself.
/// </summary>
internal sealed class ObserverList<T>(Action<Exception>? onObserverFault = null) : IObservable<T>
{
    private readonly object _gate = new();
    private IObserver<T>[] _observers = [];
    private bool _terminated;
    private Exception? _error;

    public bool HasObservers => Volatile.Read(ref _observers).Length > 0;

    public IDisposable Subscribe(IObserver<T> observer)
    {
        ArgumentNullException.ThrowIfNull(observer);
        lock (_gate)
        {
            if (!_terminated)
            {
                _observers = [.. _observers, observer];
                return Disposable.Create(() => Remove(observer));
            }
        }

        Deliver(observer, o => TerminalOf(o));
        return Disposable.Empty;
    }

    /// <summary>Sends a value to every subscriber.</summary>
    public void Next(T value)
    {
        foreach (var observer in Volatile.Read(ref _observers))
        {
            Deliver(observer, o => o.OnNext(value));
        }
    }

    /// <summary>Completes every subscriber, now and later.</summary>
    public void Complete() => Terminate(null);

    /// <summary>Fails every subscriber, now and later.</summary>
    public void Error(Exception error) => Terminate(error);

    private void Terminate(Exception? error)
    {
        IObserver<T>[] observers;
        lock (_gate)
        {
            if (_terminated)
            {
                return;
            }

            _terminated = true;
            _error = error;
            observers = _observers;
            _observers = [];
        }

        foreach (var observer in observers)
        {
            Deliver(observer, o => TerminalOf(o));
        }
    }

    private void TerminalOf(IObserver<T> observer)
    {
        if (_error is { } error)
        {
            observer.OnError(error);
        }
        else
        {
            observer.OnCompleted();
        }
    }

    private void Deliver(IObserver<T> observer, Action<IObserver<T>> action)
    {
        try
        {
            action(observer);
        }
#pragma warning disable CA1031 // A subscriber's exception must never reach the producing loop: it is reported instead.
        catch (Exception error)
#pragma warning restore CA1031
        {
            Remove(observer);
            onObserverFault?.Invoke(error);
        }
    }

    private void Remove(IObserver<T> observer)
    {
        lock (_gate)
        {
            _observers = Array.FindAll(_observers, o => !ReferenceEquals(o, observer));
        }
    }
}
