using System.Reactive.Concurrency;
using System.Reactive.Disposables;
using System.Runtime.CompilerServices;

namespace RxSockets.Transport;

/// <summary>
/// The time limit of every opening handshake a server runs, on one clock: no timer, cancellation source or
/// registration per accepted socket. All of a server's handshakes share <see cref="ConnectionOptions.HandshakeTimeout"/>,
/// so they expire in the order they started: they wait in a ring, oldest first, and one item scheduled on the options'
/// scheduler at a time (for the oldest) expires them. An expired handshake's transport has its pending read and flush
/// cancelled (they return <c>IsCanceled</c>), and its token, if it asked for one, is cancelled. Every handshake keeps its
/// place until its owner finishes it (<see cref="HandshakeTimer.Finish"/>), so the ring never outgrows the handshakes
/// under way plus those that finished after an older one still running.
/// </summary>
/// <remarks>Thread-safe: one lock guards the ring, and nothing is called back under it.</remarks>
internal sealed class HandshakeClock
{
    private const int InitialCapacity = 64;

    private readonly IScheduler _scheduler;
    private readonly long _timeoutTicks;
    private readonly Lock _gate = new();
    private Slot[] _slots = new Slot[InitialCapacity];
    private long _head = 1;   // the oldest handshake still in the ring
    private long _next = 1;   // the next handshake's number
    private bool _armed;

    /// <summary>Creates the clock; <paramref name="timeout"/> must not be infinite.</summary>
    public HandshakeClock(IScheduler scheduler, TimeSpan timeout)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(timeout, TimeSpan.Zero);
        _scheduler = scheduler;
        _timeoutTicks = timeout.Ticks;
    }

    private enum SlotState
    {
        Free,
        Running,
        Finished,
        Expired,
    }

    /// <summary>Starts timing the handshake on <paramref name="transport"/>.</summary>
    public HandshakeTimer Start(ITransport transport)
    {
        var expiry = _scheduler.Now.UtcTicks + _timeoutTicks;
        lock (_gate)
        {
            if (_next - _head == _slots.Length)
            {
                Grow();
            }

            var id = _next++;
            _slots[id & (_slots.Length - 1)] = new Slot { Id = id, Expiry = expiry, State = SlotState.Running, Transport = transport };
            if (!_armed)
            {
                Arm(expiry);
            }

            return new HandshakeTimer(this, id);
        }
    }

    /// <summary>Implements <see cref="HandshakeTimer.CreateToken"/>.</summary>
    internal CancellationToken CreateToken(long id, CancellationToken cancellationToken)
    {
        var source = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        lock (_gate)
        {
            ref var slot = ref Find(id);
            if (!Unsafe.IsNullRef(ref slot) && slot.State == SlotState.Running)
            {
                slot.Source?.Dispose();
                slot.Source = source;
                return source.Token;
            }
        }

        source.Dispose();
        return new CancellationToken(canceled: true);   // expired already
    }

    /// <summary>Implements <see cref="HandshakeTimer.Finish"/>.</summary>
    internal bool Finish(long id)
    {
        CancellationTokenSource? source;
        bool inTime;
        lock (_gate)
        {
            ref var slot = ref Find(id);
            if (Unsafe.IsNullRef(ref slot) || slot.State is SlotState.Free or SlotState.Finished)
            {
                return false;   // finished twice: the first call answered
            }

            inTime = slot.State == SlotState.Running;
            source = slot.Source;
            slot.State = SlotState.Finished;
            slot.Transport = null;
            slot.Source = null;
            Trim();
        }

        source?.Dispose();
        return inTime;
    }

    /// <summary>The slot of a handshake not finished yet (each stays in the ring until its owner finishes it).</summary>
    private ref Slot Find(long id)
    {
        if (id < _head || id >= _next)
        {
            return ref Unsafe.NullRef<Slot>();
        }

        ref var slot = ref _slots[id & (_slots.Length - 1)];
        return ref slot.Id == id ? ref slot : ref Unsafe.NullRef<Slot>();
    }

    private void Expire()
    {
        List<(ITransport? Transport, CancellationTokenSource? Source)>? expired = null;
        lock (_gate)
        {
            _armed = false;
            var now = _scheduler.Now.UtcTicks;
            for (var id = _head; id < _next; id++)
            {
                ref var slot = ref _slots[id & (_slots.Length - 1)];
                if (slot.State != SlotState.Running)
                {
                    continue;
                }

                if (slot.Expiry > now)
                {
                    Arm(slot.Expiry);
                    break;
                }

                // It stays in the ring, with its token source, until its owner finishes it.
                slot.State = SlotState.Expired;
                (expired ??= []).Add((slot.Transport, slot.Source));
            }
        }

        // Outside the lock: cancelling runs the waiters' callbacks. The owner may have closed its transport or
        // disposed its token meanwhile; cancelling those is a no-op or throws ObjectDisposedException.
        foreach (var (transport, source) in expired ?? [])
        {
            Cancel(transport, source);
        }
    }

    private static void Cancel(ITransport? transport, CancellationTokenSource? source)
    {
        // Each step on its own: the handshake may have ended meanwhile (ObjectDisposedException), and a callback
        // someone registered on the token may throw (AggregateException), which is theirs to report, not the clock's.
        try
        {
            transport?.Input.CancelPendingRead();
        }
        catch (ObjectDisposedException)
        {
        }

        try
        {
            transport?.Output.CancelPendingFlush();
        }
        catch (ObjectDisposedException)
        {
        }

        try
        {
            source?.Cancel();
        }
        catch (Exception error) when (error is ObjectDisposedException or AggregateException)
        {
        }
    }

    private void Arm(long expiry)
    {
        _armed = true;
        var delay = TimeSpan.FromTicks(Math.Max(0, expiry - _scheduler.Now.UtcTicks));
        _ = _scheduler.Schedule(this, delay, static (_, clock) =>
        {
            clock.Expire();
            return Disposable.Empty;
        });
    }

    /// <summary>Drops finished handshakes from the oldest end.</summary>
    private void Trim()
    {
        while (_head < _next && _slots[_head & (_slots.Length - 1)].State == SlotState.Finished)
        {
            _slots[_head & (_slots.Length - 1)] = default;
            _head++;
        }
    }

    private void Grow()
    {
        var slots = new Slot[_slots.Length * 2];
        for (var id = _head; id < _next; id++)
        {
            slots[id & (slots.Length - 1)] = _slots[id & (_slots.Length - 1)];
        }

        _slots = slots;
    }

    private struct Slot
    {
        public long Id;
        public long Expiry;
        public SlotState State;
        public ITransport? Transport;
        public CancellationTokenSource? Source;
    }
}
