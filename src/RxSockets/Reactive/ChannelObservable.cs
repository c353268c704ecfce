using System.Runtime.CompilerServices;
using System.Threading.Channels;

namespace RxSockets.Reactive;

/// <summary>
/// Turns a bounded channel into the two consuming surfaces: a hot multicast <see cref="IObservable{T}"/> and an
/// <see cref="IAsyncEnumerable{T}"/>. Items wait in the channel until the first subscriber or enumerator arrives, so
/// nothing is lost before the first subscription; a slow subscriber slows the pump, which fills the channel, which
/// stops the producer (backpressure). The two surfaces are exclusive: whichever is used first owns the channel.
/// Thread-safe.
/// </summary>
internal sealed class ChannelObservable<T> : IObservable<T>
{
    private const int Unclaimed = 0;
    private const int Observed = 1;
    private const int Enumerated = 2;

    private readonly ChannelReader<T> _reader;
    private readonly Task _completion;
    private readonly IObserverFaults? _onObserverFault;   // for the observer list
    private readonly string _name;

    // Made by the first Subscribe, with the pump and its wait for subscribers (an await foreach needs none of them):
    // one null field on an enumerated connection instead of three fields and a flag (24 B less per connection).
    private PumpedObserverList<T>? _observers;
    private int _mode;
    private int _enumerating;

    /// <param name="reader">The items.</param>
    /// <param name="completion">Decides the end: completes for OnCompleted, faults for OnError.</param>
    /// <param name="onObserverFault">Told when a subscriber throws (it is then unsubscribed).</param>
    /// <param name="name">The surface's name, for error messages.</param>
    public ChannelObservable(ChannelReader<T> reader, Task completion, Action<Exception>? onObserverFault, string name)
        : this(reader, completion, ObserverFaultAction.For(onObserverFault), name)
    {
    }

    /// <inheritdoc cref="ChannelObservable{T}(ChannelReader{T}, Task, Action{Exception}?, string)"/>
    public ChannelObservable(ChannelReader<T> reader, Task completion, IObserverFaults? onObserverFault, string name)
    {
        _reader = reader;
        _completion = completion;
        _onObserverFault = onObserverFault;
        _name = name;
    }

    /// <summary>Decides the end of the items: completes for OnCompleted, faults for OnError.</summary>
    internal Task Completion => _completion;

    /// <summary>The items' queue when they come from a <see cref="Transport.BoundedQueue{T}"/> (a connection's), for
    /// enumerators that attach to it directly.</summary>
    internal Transport.BoundedQueue<T>? Queue => _reader as Transport.BoundedQueue<T>;

    /// <summary>The pump's task once someone subscribed; completed otherwise.</summary>
    public Task Pump => Volatile.Read(ref _observers)?.Pump ?? Task.CompletedTask;

    public IDisposable Subscribe(IObserver<T> observer)
    {
        ArgumentNullException.ThrowIfNull(observer);
        Claim(Observed);
        var observers = Volatile.Read(ref _observers);
        var first = false;
        if (observers is null)
        {
            var created = new PumpedObserverList<T>(_onObserverFault);
            observers = Interlocked.CompareExchange(ref _observers, created, null) ?? created;
            first = ReferenceEquals(observers, created);   // the one that made the list starts the pump
        }

        var subscription = observers.Subscribe(observer);
        if (first)
        {
            observers.Pump = PumpAsync(observers);
        }

        Volatile.Read(ref observers.Subscribed)?.Set();
        return subscription;
    }

    /// <summary>Reads the items one consumer at a time; ends by throwing when <c>completion</c> faulted.</summary>
    public IAsyncEnumerable<T> ReadAllAsync(CancellationToken cancellationToken) =>
        _reader is Transport.BoundedQueue<T> queue
            ? new QueueEnumerator<T>(this, queue, cancellationToken)
            : ReadAllIteratorAsync(cancellationToken);

    /// <summary>Claims the items for one enumeration.</summary>
    /// <exception cref="InvalidOperationException">They are observed, or another enumeration is running.</exception>
    internal void BeginEnumeration()
    {
        Claim(Enumerated);
        if (Interlocked.Exchange(ref _enumerating, 1) == 1)
        {
            throw new InvalidOperationException($"{_name} is already being enumerated: one await foreach at a time.");
        }
    }

    /// <summary>The enumeration that <see cref="BeginEnumeration"/> started has ended.</summary>
    internal void EndEnumeration() => Volatile.Write(ref _enumerating, 0);

    private async IAsyncEnumerable<T> ReadAllIteratorAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        BeginEnumeration();
        try
        {
            while (await _reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
            {
                while (_reader.TryRead(out var item))
                {
                    yield return item;
                }
            }

            await _completion.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            EndEnumeration();
        }
    }

    private void Claim(int mode)
    {
        var previous = Interlocked.CompareExchange(ref _mode, mode, Unclaimed);
        if (previous != Unclaimed && previous != mode)
        {
            throw new InvalidOperationException(mode == Observed
                ? $"{_name} is consumed with ReadAllAsync; a connection's messages go to one surface: subscribe or enumerate, not both."
                : $"{_name} is consumed through its observable; a connection's messages go to one surface: subscribe or enumerate, not both.");
        }
    }

    private async Task PumpAsync(PumpedObserverList<T> observers)
    {
        await Task.Yield();
        while (await _reader.WaitToReadAsync().ConfigureAwait(false))
        {
            // While nobody subscribes, items stay queued (and backpressure holds the socket) rather than vanish.
            while (!observers.HasObservers)
            {
                // A subscription before the signal existed is seen by the check below, one after it sets the signal.
                var subscribed = LazyInitializer.EnsureInitialized(ref observers.Subscribed);
                if (!observers.HasObservers)
                {
                    await subscribed.WaitAsync().ConfigureAwait(false);
                }
            }

            if (_reader.TryRead(out var item))
            {
                observers.Next(item);
            }
        }

        try
        {
            await _completion.ConfigureAwait(false);
            observers.Complete();
        }
#pragma warning disable CA1031 // The completion's fault is the stream's OnError, whatever its type.
        catch (Exception error)
#pragma warning restore CA1031
        {
            observers.Error(error);
        }
    }
}
