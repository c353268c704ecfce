using System.Diagnostics.CodeAnalysis;
using System.Reactive.Disposables;
using System.Reactive.Subjects;

namespace RxSockets.Json;

/// <summary>
/// A hot multicast source over System.Reactive's <see cref="Subject{T}"/> that a subscriber cannot break: a subscriber
/// whose <c>OnNext</c> throws is unsubscribed and its exception reported to <c>onSubscriberFault</c>, so it never runs
/// back into the router's loop or stops the other subscribers; a throwing <c>OnCompleted</c> or <c>OnError</c> is
/// reported too. Late subscribers receive the terminal notification (the subject's own rule). <see cref="Next"/> must
/// not be called concurrently with itself, as for any subject.
/// </summary>
[SuppressMessage("Reliability", "CA1001:Types that own disposable fields should be disposable",
    Justification = "Disposing a Subject only drops its observers and makes later calls throw; the list ends by Complete or Error instead.")]
internal sealed class SubscriberList<T>(Action<Exception>? onSubscriberFault = null) : IObservable<T>
{
    private readonly Subject<T> _subject = new();

    public IDisposable Subscribe(IObserver<T> observer)
    {
        ArgumentNullException.ThrowIfNull(observer);
        var subscription = new SingleAssignmentDisposable();

        // Assigned after Subscribe returns: a subscriber that faults on a terminal notification delivered during
        // Subscribe has disposed the holder by then, which disposes the late assignment at once.
        subscription.Disposable = _subject.Subscribe(new Guarded(observer, subscription, onSubscriberFault));
        return subscription;
    }

    /// <summary>Sends a value to every subscriber.</summary>
    public void Next(T value) => _subject.OnNext(value);

    /// <summary>Completes every subscriber, now and later.</summary>
    public void Complete() => _subject.OnCompleted();

    /// <summary>Fails every subscriber, now and later.</summary>
    public void Error(Exception error) => _subject.OnError(error);

    /// <summary>One subscriber behind a catch: on its first fault it unsubscribes, then reports.</summary>
    private sealed class Guarded(IObserver<T> observer, IDisposable subscription, Action<Exception>? onFault) : IObserver<T>
    {
        private volatile bool _faulted;

        public void OnNext(T value)
        {
            if (_faulted)
            {
                return;
            }

            try
            {
                observer.OnNext(value);
            }
#pragma warning disable CA1031 // A subscriber's exception must never reach the producing loop: it is reported instead.
            catch (Exception error)
#pragma warning restore CA1031
            {
                _faulted = true;
                subscription.Dispose();
                onFault?.Invoke(error);
            }
        }

        public void OnCompleted() => Terminal(null);

        public void OnError(Exception error) => Terminal(error);

        private void Terminal(Exception? error)
        {
            if (_faulted)
            {
                return;
            }

            try
            {
                if (error is null)
                {
                    observer.OnCompleted();
                }
                else
                {
                    observer.OnError(error);
                }
            }
#pragma warning disable CA1031 // As in OnNext: reported, never thrown into the loop that ended the stream.
            catch (Exception fault)
#pragma warning restore CA1031
            {
                onFault?.Invoke(fault);
            }
        }
    }
}
