using System.Reactive.Concurrency;
using System.Reactive.Disposables;

namespace RxSockets.Reactive;

/// <summary>
/// One subscriber's mailbox: the source's <c>OnNext</c> only stores the value (never waits for the subscriber), and a
/// drain loop on the scheduler delivers the stored values one at a time. The buffer decides what is kept when the
/// subscriber falls behind; every discarded value is counted. Termination is delivered after the waiting values.
/// </summary>
internal sealed class Mailbox<T> : IObserver<T>, IDisposable
{
    private readonly Lock _gate = new();
    private readonly IObserver<T> _downstream;
    private readonly IMailboxBuffer<T> _buffer;
    private readonly IScheduler _scheduler;
    private readonly FlowStatistics? _statistics;
    private readonly SingleAssignmentDisposable _upstream = new();
    private Exception? _error;
    private bool _done;
    private bool _draining;
    private bool _disposed;

    public Mailbox(IObserver<T> downstream, IMailboxBuffer<T> buffer, IScheduler scheduler, FlowStatistics? statistics)
    {
        _downstream = downstream;
        _buffer = buffer;
        _scheduler = scheduler;
        _statistics = statistics;
    }

    public IDisposable Upstream
    {
        set => _upstream.Disposable = value;
    }

    public void OnNext(T value)
    {
        MailboxOffer offer;
        bool schedule;
        lock (_gate)
        {
            if (_done || _disposed)
            {
                return;
            }

            try
            {
                offer = _buffer.Offer(value);
            }
#pragma warning disable CA1031 // A failing key selector ends this subscriber's stream, not the producer's loop.
            catch (Exception error)
#pragma warning restore CA1031
            {
                _error = error;
                offer = MailboxOffer.Overflow;
            }

            if (offer != MailboxOffer.Overflow)
            {
                _statistics?.OnReceived();
            }
            else
            {
                _error ??= new InvalidOperationException("The mailbox is full and its overflow policy is Error: the subscriber fell behind.");
                _done = true;
            }

            schedule = StartDrain();
        }

        if (offer == MailboxOffer.StoredWithDrop)
        {
            _statistics?.OnDropped();
        }
        else if (offer == MailboxOffer.Overflow)
        {
            _upstream.Dispose();
        }

        if (schedule)
        {
            _scheduler.Schedule(Drain);
        }
    }

    public void OnError(Exception error) => Terminate(error);

    public void OnCompleted() => Terminate(null);

    public void Dispose()
    {
        lock (_gate)
        {
            _disposed = true;
        }

        _upstream.Dispose();
    }

    private void Terminate(Exception? error)
    {
        bool schedule;
        lock (_gate)
        {
            if (_done || _disposed)
            {
                return;
            }

            _done = true;
            _error = error;
            schedule = StartDrain();
        }

        if (schedule)
        {
            _scheduler.Schedule(Drain);
        }
    }

    private bool StartDrain()
    {
        if (_draining)
        {
            return false;
        }

        _draining = true;
        return true;
    }

    private void Drain()
    {
        while (true)
        {
            T value;
            lock (_gate)
            {
                if (_disposed)
                {
                    _draining = false;
                    return;
                }

                if (!_buffer.TryTake(out value))
                {
                    _draining = false;
                    if (_done)
                    {
                        _disposed = true;
                        break;
                    }

                    return;
                }
            }

            _statistics?.OnDelivered();
            _downstream.OnNext(value);
        }

        if (_error is { } error)
        {
            _downstream.OnError(error);
        }
        else
        {
            _downstream.OnCompleted();
        }
    }
}
