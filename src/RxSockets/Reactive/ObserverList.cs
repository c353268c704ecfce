using System.Reactive.Disposables;

namespace RxSockets.Reactive;

/// <summary>
/// A hot multicast source we never expose as a subject. A subscriber that throws is removed and reported through
/// <c>onObserverFault</c>, so its exception never runs back into the loop that produced the value. Late subscribers
/// receive the terminal notification. Thread-safe; <see cref="Next"/> must not be called concurrently with itself.
/// </summary>
/// <remarks>Not sealed for <see cref="PumpedObserverList{T}"/>.</remarks>
internal class ObserverList<T> : IObservable<T>
{
    /// <summary>The observer array once terminated: a distinct instance, so an empty list is not mistaken for it.</summary>
#pragma warning disable CA1825 // Array.Empty would be the very instance a live empty list holds; this one must differ.
    private static readonly IObserver<T>[] s_terminated = new IObserver<T>[0];
#pragma warning restore CA1825
    private static readonly object s_completed = new();

    // Copy-on-write, swapped with compare-exchange: no lock object per list (a connection has several lists).
    private IObserver<T>[] _observers = [];

    // Null while live; then s_completed or the error. Set once, before _observers becomes s_terminated.
    private object? _terminal;

    private readonly IObserverFaults? _onObserverFault;

    public ObserverList(Action<Exception>? onObserverFault = null)
        : this(ObserverFaultAction.For(onObserverFault))
    {
    }

    public ObserverList(IObserverFaults? onObserverFault) => _onObserverFault = onObserverFault;

    public bool HasObservers => Volatile.Read(ref _observers).Length > 0;

    public IDisposable Subscribe(IObserver<T> observer)
    {
        ArgumentNullException.ThrowIfNull(observer);
        while (true)
        {
            var current = Volatile.Read(ref _observers);
            if (ReferenceEquals(current, s_terminated))
            {
                DeliverTerminal(observer);
                return Disposable.Empty;
            }

            if (Interlocked.CompareExchange(ref _observers, [.. current, observer], current) == current)
            {
                return Disposable.Create(() => Remove(observer));
            }
        }
    }

    /// <summary>Sends a value to every subscriber.</summary>
    public void Next(T value)
    {
        foreach (var observer in Volatile.Read(ref _observers))
        {
            try
            {
                observer.OnNext(value);
            }
#pragma warning disable CA1031 // A subscriber's exception must never reach the producing loop: it is reported instead.
            catch (Exception error)
#pragma warning restore CA1031
            {
                Fault(observer, error);
            }
        }
    }

    /// <summary>Completes every subscriber, now and later.</summary>
    public void Complete() => Terminate(s_completed);

    /// <summary>Fails every subscriber, now and later.</summary>
    public void Error(Exception error) => Terminate(error);

    private void Terminate(object terminal)
    {
        if (Interlocked.CompareExchange(ref _terminal, terminal, null) is not null)
        {
            return;
        }

        foreach (var observer in Interlocked.Exchange(ref _observers, s_terminated))
        {
            DeliverTerminal(observer);
        }
    }

    private void DeliverTerminal(IObserver<T> observer)
    {
        try
        {
            if (Volatile.Read(ref _terminal) is Exception error)
            {
                observer.OnError(error);
            }
            else
            {
                observer.OnCompleted();
            }
        }
#pragma warning disable CA1031 // A subscriber's exception must never reach the producing loop: it is reported instead.
        catch (Exception error)
#pragma warning restore CA1031
        {
            _onObserverFault?.OnObserverFault(error);
        }
    }

    private void Fault(IObserver<T> observer, Exception error)
    {
        Remove(observer);
        _onObserverFault?.OnObserverFault(error);
    }

    private void Remove(IObserver<T> observer)
    {
        while (true)
        {
            var current = Volatile.Read(ref _observers);
            if (ReferenceEquals(current, s_terminated) || Array.IndexOf(current, observer) < 0)
            {
                return;
            }

            var remaining = Array.FindAll(current, o => !ReferenceEquals(o, observer));
            if (Interlocked.CompareExchange(ref _observers, remaining, current) == current)
            {
                return;
            }
        }
    }
}
