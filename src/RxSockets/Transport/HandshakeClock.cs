using System.Reactive.Concurrency;
using System.Reactive.Disposables;
using System.Runtime.CompilerServices;
using RxSockets.Transport.Sockets;

namespace RxSockets.Transport;

/// <summary>
/// The time limit and the pending budget of every opening handshake a server runs, on one clock: no timer, cancellation
/// source or registration per accepted socket. All of a server's handshakes share <see cref="ConnectionOptions.HandshakeTimeout"/>,
/// so they expire in the order they started: they wait in a ring, oldest first, and one item scheduled on the options'
/// scheduler at a time (for the oldest) expires them. An expired handshake's transport has its pending read cancelled
/// (it returns <c>IsCanceled</c>), and its pending flush too once its request has arrived (before, it only reads), and
/// its token, if it asked for one, is cancelled. Every handshake keeps its
/// place until its owner finishes it (<see cref="HandshakeTimer.Finish"/>), so the ring never outgrows the handshakes
/// under way plus those that finished after an older one still running.
/// </summary>
/// <remarks>
/// <para><b>The pending budget.</b> A handshake is pending from <see cref="Start"/> until its request has arrived
/// (<see cref="HandshakeTimer.LeavePending"/>): the phase a client that trickles its bytes (slowloris) can stretch.
/// At most <c>maxPending</c> are pending at once; starting one more evicts the oldest pending one, as expiry would
/// (its read and token are cancelled, <see cref="HandshakeTimer.WasEvicted"/> tells it why). The oldest is the
/// attacker's: a real client's request arrives within a round trip, so it is never the oldest for long.</para>
/// <para>Thread-safe: one lock guards the ring, and nothing is called back under it.</para>
/// </remarks>
internal sealed class HandshakeClock
{
    private const int InitialCapacity = 64;

    private readonly IScheduler _scheduler;
    private readonly long _timeoutTicks;   // long.MaxValue: no time limit
    private readonly int _maxPending;
    private readonly Lock _gate = new();
    private Slot[] _slots = new Slot[InitialCapacity];
    private long _head = 1;   // the oldest handshake still in the ring
    private long _next = 1;   // the next handshake's number
    private long _oldestPending = 1;   // no pending handshake before this one: eviction never rescans
    private int _pending;
    private bool _armed;

    /// <summary>Creates the clock.</summary>
    /// <param name="scheduler">Where time is kept.</param>
    /// <param name="timeout">The time limit of each handshake; <see cref="Timeout.InfiniteTimeSpan"/> for none (the
    /// budget still applies).</param>
    /// <param name="maxPending">The most handshakes pending at once (see the remarks).</param>
    public HandshakeClock(IScheduler scheduler, TimeSpan timeout, int maxPending = int.MaxValue)
    {
        if (timeout != Timeout.InfiniteTimeSpan)
        {
            ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(timeout, TimeSpan.Zero);
        }

        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxPending);
        _scheduler = scheduler;
        _timeoutTicks = timeout == Timeout.InfiniteTimeSpan ? long.MaxValue : timeout.Ticks;
        _maxPending = maxPending;
    }

    private enum SlotState
    {
        Free,
        Pending,    // its request is still arriving: counted in the budget, may be evicted
        Running,    // its request arrived: only the time limit applies
        Finished,
        Expired,
        Evicted,
    }

    /// <summary>The handshakes pending now (started, request not arrived, not finished, expired or evicted).</summary>
    public int PendingCount => Volatile.Read(ref _pending);

    /// <summary>Starts timing the handshake on <paramref name="transport"/>, pending; evicts the oldest pending
    /// handshake first when the budget is full.</summary>
    public HandshakeTimer Start(ITransport transport)
    {
        var expiry = _timeoutTicks == long.MaxValue ? long.MaxValue : _scheduler.Now.UtcTicks + _timeoutTicks;
        HandshakeTimer timer;
        (ITransport? Transport, CancellationTokenSource? Source) evicted = default;
        lock (_gate)
        {
            if (_pending == _maxPending)
            {
                ref var oldest = ref OldestPending();
                oldest.State = SlotState.Evicted;   // it stays in the ring until its owner finishes it
                _pending--;
                evicted = (oldest.Transport, oldest.Source);
            }

            if (_next - _head == _slots.Length)
            {
                Grow();
            }

            var id = _next++;
            _slots[id & (_slots.Length - 1)] = new Slot { Id = id, Expiry = expiry, State = SlotState.Pending, Transport = transport };
            if (!_armed && expiry != long.MaxValue)
            {
                Arm(expiry);
            }

            // Counted last: whoever sees the count (a test moving a virtual clock) sees the handshake's time armed.
            Volatile.Write(ref _pending, _pending + 1);

            timer = new HandshakeTimer(this, id);
        }

        // Outside the lock, as in Expire. A pending handshake is reading, never flushing: only its read is cancelled
        // (a flush cancelled ahead of time would be remembered, and could cost the answer it still writes).
        if (evicted.Transport is not null || evicted.Source is not null)
        {
            Cancel(evicted.Transport, evicted.Source, flush: false);
        }

        return timer;
    }

    /// <summary>Implements <see cref="HandshakeTimer.LeavePending"/>.</summary>
    internal bool LeavePending(long id)
    {
        lock (_gate)
        {
            ref var slot = ref Find(id);
            if (Unsafe.IsNullRef(ref slot) || slot.State != SlotState.Pending)
            {
                return false;
            }

            slot.State = SlotState.Running;
            _pending--;
            return true;
        }
    }

    /// <summary>Implements <see cref="HandshakeTimer.WasEvicted"/>.</summary>
    internal bool WasEvicted(long id)
    {
        lock (_gate)
        {
            ref var slot = ref Find(id);
            return !Unsafe.IsNullRef(ref slot) && slot.State == SlotState.Evicted;
        }
    }

    /// <summary>Implements <see cref="HandshakeTimer.CreateToken"/>.</summary>
    internal CancellationToken CreateToken(long id, CancellationToken cancellationToken)
    {
        var source = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        lock (_gate)
        {
            ref var slot = ref Find(id);
            if (!Unsafe.IsNullRef(ref slot) && slot.State is SlotState.Pending or SlotState.Running)
            {
                slot.Source?.Dispose();
                slot.Source = source;
                return source.Token;
            }
        }

        source.Dispose();
        return new CancellationToken(canceled: true);   // expired or evicted already
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

            inTime = slot.State is SlotState.Pending or SlotState.Running;
            if (slot.State == SlotState.Pending)
            {
                _pending--;
            }

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

    /// <summary>The oldest pending handshake's slot; there is one (the caller counted it).</summary>
    private ref Slot OldestPending()
    {
        // A slot never becomes pending again, so every one before the cursor stays not pending.
        var id = Math.Max(_oldestPending, _head);
        while (_slots[id & (_slots.Length - 1)].State != SlotState.Pending)
        {
            id++;
        }

        _oldestPending = id;
        return ref _slots[id & (_slots.Length - 1)];
    }

    private void Expire()
    {
        List<(ITransport? Transport, CancellationTokenSource? Source, bool Flush)>? expired = null;
        lock (_gate)
        {
            _armed = false;
            var now = _scheduler.Now.UtcTicks;
            for (var id = _head; id < _next; id++)
            {
                ref var slot = ref _slots[id & (_slots.Length - 1)];
                if (slot.State is not (SlotState.Pending or SlotState.Running))
                {
                    continue;
                }

                if (slot.Expiry > now)
                {
                    Arm(slot.Expiry);
                    break;
                }

                // It stays in the ring, with its token source, until its owner finishes it.
                var pending = slot.State == SlotState.Pending;
                if (pending)
                {
                    _pending--;
                }

                slot.State = SlotState.Expired;
                (expired ??= []).Add((slot.Transport, slot.Source, !pending));   // a pending one is not flushing
            }
        }

        // Outside the lock: cancelling runs the waiters' callbacks. The owner may have closed its transport or
        // disposed its token meanwhile; cancelling those is a no-op or throws ObjectDisposedException.
        foreach (var (transport, source, flush) in expired ?? [])
        {
            Cancel(transport, source, flush);
        }
    }

    private static void Cancel(ITransport? transport, CancellationTokenSource? source, bool flush)
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
            if (flush)
            {
                transport?.Output.CancelPendingFlush();
            }
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
