using System.Buffers;
using System.IO.Pipelines;
using System.Runtime.InteropServices;
using System.Threading.Tasks.Sources;

namespace RxSockets.Transport.Epoll;

/// <summary>
/// The input side of an <see cref="EpollSocket"/>, which is its own <see cref="PipeReader"/> (one object per connection
/// instead of a socket and a reader that point at each other: 32 B less per connection) and calls <c>recv</c> itself.
/// A read first tries the socket at once (busy connections never wait for an event); only on EAGAIN does it wait for
/// the epoll thread's readiness signal, and then it holds no buffer: an idle connection costs no array.
/// </summary>
/// <remarks>One reader at a time, as for any <see cref="PipeReader"/>.</remarks>
internal sealed partial class EpollSocket : PipeReader, IValueTaskSource<ReadResult>, IThreadPoolWorkItem, IReadWaitSource
{
    private const int Running = 0;
    private const int Parked = 1;
    private const int Woken = 2;

    private const int SegmentSize = 64 * 1024;
    private const int MinimumFree = 2048;

    // A recv that fills its whole segment doubles the next segment's size, up to 64 KiB << 3 = 512 KiB, so that a
    // connection streaming large messages reads several per call (and answers them in one write); a recv that leaves
    // the segment half empty halves it again.
    private const int MaximumGrowth = 3;

    // How often a read that found nothing looks again at once after an event that came in meanwhile, before it parks.
    private const int InlineRetries = 2;

    private PooledSegment? _head;
    private int _headStart;
    private PooledSegment? _tail;
    private bool _examinedAll = true;
    private bool _endOfStream;
    private bool _drained;     // the last recv left the socket empty (it returned less than it was offered, or EAGAIN)
    private byte _growth;      // the next segment is SegmentSize << _growth bytes
    private bool _hangUp;      // an event said the peer closed or the socket failed (sticky)
    private bool _completed;   // the reader (Complete), not the socket (_closed)
    private Exception? _error;
    private bool _cancelPending;   // set by CancelPendingRead from any thread, taken by the reader (interlocked)
    private CancellationTokenRegistration _registration;   // its Token is the token the parked read waits with
    private ManualResetValueTaskSourceCore<ReadResult> _core;
    private int _park;

    /// <summary>True while the input side holds received bytes (an idle, fully consumed one holds none).</summary>
    internal bool InputHoldsBuffer => _head is not null;

    public override ValueTask<ReadResult> ReadAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_completed, this);
        if (TryTakeResult(out var result))
        {
            return new ValueTask<ReadResult>(result);
        }

        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled<ReadResult>(cancellationToken);
        }

        // The common busy case: the data is already in the kernel, so no event is needed.
        for (var attempt = 0; ; attempt++)
        {
            if (_drained && Volatile.Read(ref _park) == Running && !Volatile.Read(ref _hangUp))
            {
                // The last recv emptied the socket and no event came since (epoll is edge-triggered: whatever arrives
                // later raises one): a recv now would only say EAGAIN. Wait for the event instead. Not after a hang-up:
                // its event may have come before that recv, and the end of the stream is still to be read.
                return Park(cancellationToken);
            }

            if (Receive() && TryTakeResult(out result))
            {
                return new ValueTask<ReadResult>(result);
            }

            if (attempt == InlineRetries || Volatile.Read(ref _park) != Woken)
            {
                return Park(cancellationToken);
            }

            // An event came in while this reader ran (a segment that arrived after the last recv, or one it already
            // read): look again here, rather than park and be resumed from the thread pool, which on a busy connection
            // would move the read loop to another thread for every batch. The event is taken here: look with recv.
            Volatile.Write(ref _park, Running);
            _drained = false;
        }
    }

    public override bool TryRead(out ReadResult result)
    {
        ObjectDisposedException.ThrowIf(_completed, this);
        return TryTakeResult(out result);
    }

    public override void AdvanceTo(SequencePosition consumed) => AdvanceTo(consumed, consumed);

    public override void AdvanceTo(SequencePosition consumed, SequencePosition examined)
    {
        if (_head is null)
        {
            return;
        }

        var segment = consumed.GetObject() as PooledSegment ?? _head;
        var index = consumed.GetObject() is null ? _headStart : consumed.GetInteger();
        while (_head is not null && _head != segment)
        {
            var next = _head.Next;
            _head.Return();
            _head = next;
        }

        _headStart = index;
        if (_head is not null && _headStart == _head.End && (_head == _tail || _head.Next is null))
        {
            // Everything consumed: give the array back, so a connection waiting for data holds none.
            _head.Return();
            _head = _tail = null;
            _headStart = 0;
        }
        else if (_head is not null && _headStart == _head.End)
        {
            var next = _head.Next;
            _head.Return();
            _head = next;
            _headStart = 0;
        }

        _examinedAll = _head is null
            || (examined.GetObject() == _tail && examined.GetInteger() == _tail!.End)
            || (examined.GetObject() is null && _tail is null);
    }

    public override void CancelPendingRead()
    {
        Volatile.Write(ref _cancelPending, true);
        OnReadable();
    }

    /// <summary>The socket may have data (an epoll event), or the waiting read must look again (cancellation,
    /// close). A parked read is resumed on the thread pool; otherwise the next park sees the wake-up.</summary>
    public void OnReadable() => OnReadable(inline: false);

    /// <summary>As <see cref="OnReadable()"/>; with <paramref name="inline"/> (an epoll loop thread) a parked read is
    /// resumed on this thread, and the reader's continuation (the session's read loop) runs here up to its next wait.</summary>
    public void OnReadable(bool inline)
    {
        if (Interlocked.Exchange(ref _park, Woken) == Parked)
        {
            if (inline)
            {
                ((IThreadPoolWorkItem)this).Execute();
            }
            else
            {
                ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
            }
        }
    }

    public override void Complete(Exception? exception = null)
    {
        if (_completed)
        {
            return;
        }

        _completed = true;
        _registration.Dispose();
        while (_head is not null)
        {
            var next = _head.Next;
            _head.Return();
            _head = next;
        }

        _tail = null;
    }

    private ReadOnlySequence<byte> Buffer =>
        _head is null ? ReadOnlySequence<byte>.Empty : new ReadOnlySequence<byte>(_head, _headStart, _tail!, _tail!.End);

    private bool TryTakeResult(out ReadResult result)
    {
        if (Interlocked.Exchange(ref _cancelPending, false))
        {
            result = new ReadResult(Buffer, isCanceled: true, isCompleted: false);
            return true;
        }

        if (_head is not null && !_examinedAll)
        {
            result = new ReadResult(Buffer, isCanceled: false, isCompleted: false);
            return true;
        }

        if (_error is not null)
        {
            throw new IOException("The connection failed: " + _error.Message, _error);
        }

        if (_endOfStream)
        {
            result = new ReadResult(Buffer, isCanceled: false, isCompleted: true);
            return true;
        }

        result = default;
        return false;
    }

    /// <summary>One <c>recv</c> into the tail segment. True when something changed (data, end of stream, failure);
    /// false on EAGAIN, after giving back a tail segment that received nothing.</summary>
    private unsafe bool Receive()
    {
        var rented = false;
        if (_tail is null || _tail.Free < MinimumFree)
        {
            _tail = PooledSegment.Rent(SegmentSize << _growth, _tail);
            _head ??= _tail;
            rented = true;
        }

        while (true)
        {
            nint received;
            var offered = _tail.Free;
            try
            {
                fixed (byte* buffer = _tail.FreeSpan)
                {
                    received = Libc.recv(Fd, buffer, offered, 0);
                }

                _drained = received < offered;
                if (!_drained)
                {
                    _growth = (byte)Math.Min(_growth + 1, MaximumGrowth);
                }
                else if (_growth > 0 && received <= (SegmentSize << _growth) / 2)
                {
                    _growth--;
                }
            }
            catch (ObjectDisposedException error)
            {
                _error = error;
                return true;
            }

            if (received > 0)
            {
                _tail.Commit((int)received);
                _examinedAll = false;
                return true;
            }

            if (received == 0)
            {
                _endOfStream = true;
                DropEmptyTail(rented);
                return true;
            }

            var errno = Marshal.GetLastPInvokeError();
            if (errno == Libc.EINTR)
            {
                continue;
            }

            DropEmptyTail(rented);
            if (errno == Libc.EAGAIN)
            {
                return false;
            }

            _error = EpollErrors.Socket(errno);
            return true;
        }
    }

    private void DropEmptyTail(bool rented)
    {
        if (!rented || _tail is null || _tail.End != 0)
        {
            return;
        }

        if (_head == _tail)
        {
            _tail.Return();
            _head = _tail = null;
            _headStart = 0;
            return;
        }

        // Unlink the empty tail from the segment before it.
        var previous = _head!;
        while (previous.Next != _tail)
        {
            previous = previous.Next!;
        }

        _tail.Return();
        previous.UnlinkNext();
        _tail = previous;
    }

    /// <summary>Waits without an async state machine: the reader itself is the pending operation, so an idle
    /// connection's read holds no extra object.</summary>
    private ValueTask<ReadResult> Park(CancellationToken cancellationToken)
    {
        if (cancellationToken != _registration.Token)
        {
            // A reader passes the same token on every read (the handshake's deadline), so it is registered once, not per
            // read; a new token (none, once the session reads) drops the old registration and what it holds alive. The
            // registration is the record of the token (its Token property): no field of its own, 8 B per connection.
            _registration.Dispose();
            _registration = cancellationToken.CanBeCanceled
                ? cancellationToken.UnsafeRegister(static state => ((EpollSocket)state!).OnReadable(), this)
                : default;
            if (cancellationToken.IsCancellationRequested)
            {
                // Cancelled since ReadAsync looked, perhaps during the registration: its callback then ran at once and
                // it returned none, so it does not name the token and the woken read could not tell it was cancelled.
                // The read ends here instead, as one that starts cancelled does.
                return ValueTask.FromCanceled<ReadResult>(cancellationToken);
            }
        }

        _core.Reset();   // the wait's token is _registration.Token now (no field of its own)
        var version = _core.Version;
        if (Interlocked.CompareExchange(ref _park, Parked, Running) == Woken)
        {
            // An event came in since the last attempt: look again on this thread's behalf, from the pool.
            Volatile.Write(ref _park, Parked);
            OnReadable();
        }

        return new ValueTask<ReadResult>(this, version);
    }

    void IThreadPoolWorkItem.Execute()
    {
        // Woken: from now on a new event is remembered (Woken) until we park again. The event that woke us is taken
        // here, so the next read must look with recv even if this one is answered from what is buffered.
        Volatile.Write(ref _park, Running);
        _drained = false;
        try
        {
            if (_registration.Token is { IsCancellationRequested: true } token)
            {
                _core.SetException(new OperationCanceledException(token));
                return;
            }

            if (TryTakeResult(out var result) || (Receive() && TryTakeResult(out result)))
            {
                _core.SetResult(result);
                return;
            }
        }
#pragma warning disable CA1031 // Whatever failed is the read's outcome, handed to the awaiting reader.
        catch (Exception error)
#pragma warning restore CA1031
        {
            _core.SetException(error);
            return;
        }

        // A spurious wake-up (EAGAIN again): wait for the next event.
        if (Interlocked.CompareExchange(ref _park, Parked, Running) == Woken)
        {
            Volatile.Write(ref _park, Parked);
            OnReadable();
        }
    }

    ReadResult IValueTaskSource<ReadResult>.GetResult(short token) => _core.GetResult(token);

    // The pending read is the one of the current version (the single reader parks once per pending read).
    void IReadWaitSource.OnReadCompleted(Action<object?> continuation, object state) =>
        _core.OnCompleted(continuation, state, _core.Version, ValueTaskSourceOnCompletedFlags.FlowExecutionContext);

    ReadResult IReadWaitSource.GetReadResult() => _core.GetResult(_core.Version);

    ValueTaskSourceStatus IValueTaskSource<ReadResult>.GetStatus(short token) => _core.GetStatus(token);

    void IValueTaskSource<ReadResult>.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _core.OnCompleted(continuation, state, token, flags);
}
