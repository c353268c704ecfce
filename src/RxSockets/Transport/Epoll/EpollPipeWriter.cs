using System.IO.Pipelines;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using RxSockets.Transport.Sockets;

namespace RxSockets.Transport.Epoll;

/// <summary>
/// The output side of an <see cref="EpollSocket"/>: a <see cref="PipeWriter"/> that buffers into pooled segments and
/// flushes with <c>send</c> on the flushing thread (one gathered <c>sendmsg</c> when the bytes span segments). Only a
/// full socket buffer (EAGAIN) makes a flush wait for the epoll thread's writable signal. After a complete flush every
/// array goes back to the pool.
/// </summary>
/// <remarks>One writer at a time (the session's write loop), as for any <see cref="PipeWriter"/>.</remarks>
internal sealed class EpollPipeWriter(EpollSocket socket) : PipeWriter
{
    // As large as the batch the driver flushes (BatchSize), so that one flush is one send (segments go back to the pool
    // after a complete flush: an idle connection holds none).
    private const int SegmentSize = ITransport.DefaultWriteBatchSize;

    // A flush of a whole batch that the socket takes at once doubles the batch, up to 64 KiB << 2 = 256 KiB: a stream
    // of large messages then leaves four 64 KiB messages per system call instead of one (and the kernel pushes and
    // wakes the peer once for them). A flush that finds the socket buffer full halves it again, so a connection whose
    // peer reads slowly holds no more than 64 KiB of frames in its writer.
    private const int MaximumGrowth = 2;

    // Segments gathered into one sendmsg.
    private const int GatherLimit = 4;

    private PooledSegment? _head;
    private int _headSent;
    private PooledSegment? _tail;
    private bool _cancelPending;   // set by CancelPendingFlush from any thread, taken by the flush (interlocked)
    private bool _completed;
    private byte _growth;          // the batch is SegmentSize << _growth bytes

    /// <summary>The bytes of frames the driver gathers before it flushes (see <see cref="MaximumGrowth"/>).</summary>
    internal int BatchSize => SegmentSize << _growth;

    /// <summary>True while the writer holds unsent bytes (after a complete flush it holds none).</summary>
    internal bool HoldsBuffer => _head is not null;

    public override bool CanGetUnflushedBytes => true;

    /// <summary>The bytes from the first unsent one to the end of the last segment, from the segments' running indexes
    /// (each segment starts where the one before it ends): no count of its own to keep in step, 8 B per connection.</summary>
    public override long UnflushedBytes => _head is { } head ? _tail!.RunningIndex + _tail.End - head.RunningIndex - _headSent : 0;

    public override Memory<byte> GetMemory(int sizeHint = 0) => Reserve(sizeHint).FreeMemory;

    public override Span<byte> GetSpan(int sizeHint = 0) => Reserve(sizeHint).FreeSpan;

    public override void Advance(int bytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(bytes);
        if (bytes == 0)
        {
            return;
        }

        if (_tail is null || bytes > _tail.Free)
        {
            throw new InvalidOperationException("Advanced past the memory obtained from GetMemory/GetSpan.");
        }

        _tail.Commit(bytes);
    }

    public override ValueTask<FlushResult> FlushAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_completed, this);
        var flushing = UnflushedBytes;
        if (TrySendAll())
        {
            if (flushing >= BatchSize && _growth < MaximumGrowth)
            {
                _growth++;
            }

            return new ValueTask<FlushResult>(new FlushResult(isCanceled: false, isCompleted: false));
        }

        if (_growth > 0)
        {
            _growth--;
        }

        return WaitAndFlushAsync(cancellationToken);
    }

    public override void CancelPendingFlush()
    {
        Volatile.Write(ref _cancelPending, true);
        socket.Writable?.Set();
    }

    public override void Complete(Exception? exception = null)
    {
        if (_completed)
        {
            return;
        }

        _completed = true;
        ReleaseAll();
    }

    private PooledSegment Reserve(int sizeHint)
    {
        ObjectDisposedException.ThrowIf(_completed, this);
        var needed = Math.Max(sizeHint, 1);
        if (_tail is null || _tail.Free < needed)
        {
            _tail = PooledSegment.Rent(Math.Max(needed, BatchSize), _tail);
            _head ??= _tail;
        }

        return _tail;
    }

    /// <summary>Sends until everything is out (true, all arrays returned) or the socket buffer is full (false).</summary>
    private bool TrySendAll()
    {
        while (_head is not null)
        {
            if (_head.End - _headSent == 0)
            {
                if (_head == _tail)
                {
                    ReleaseAll();
                    return true;
                }

                var next = _head.Next;
                _head.Return();
                _head = next;
                _headSent = 0;
                continue;
            }

            var sent = Send();
            if (sent > 0)
            {
                Consume(sent);
                continue;
            }

            var errno = Marshal.GetLastPInvokeError();
            if (errno == Libc.EINTR)
            {
                continue;
            }

            if (errno == Libc.EAGAIN)
            {
                return false;
            }

            ReleaseAll();
            throw new IOException("Sending failed.", EpollErrors.Socket(errno));
        }

        return true;
    }

    /// <summary>One <c>send</c> of the head segment's unsent bytes, or, when more segments follow (a large frame, or
    /// a burst of frames over 64 KiB), one gathered <c>sendmsg</c> of up to four segments.</summary>
    private unsafe nint Send()
    {
        var first = _head!;
        var pending = first.End - _headSent;
        if (first.Next is not { End: > 0 } second)
        {
            fixed (byte* buffer = &first.Array[_headSent])
            {
                return Libc.send(socket.Fd, buffer, pending, Libc.MSG_NOSIGNAL);
            }
        }

        var third = second.Next;
        var fourth = third?.Next;
        var vectors = stackalloc IoVector[GatherLimit];
        fixed (byte* b0 = first.Array, b1 = second.Array, b2 = third?.Array, b3 = fourth?.Array)
        {
            vectors[0] = new IoVector { Base = b0 + _headSent, Length = (nuint)pending };
            vectors[1] = new IoVector { Base = b1, Length = (nuint)second.End };
            vectors[2] = new IoVector { Base = b2, Length = (nuint)(third?.End ?? 0) };
            vectors[3] = new IoVector { Base = b3, Length = (nuint)(fourth?.End ?? 0) };
            var message = new MessageHeader { Vectors = vectors, VectorCount = third is null ? 2u : fourth is null ? 3u : 4u };
            return Libc.sendmsg(socket.Fd, &message, Libc.MSG_NOSIGNAL);
        }
    }

    /// <summary>Marks <paramref name="sent"/> bytes from the head on as sent, returning the segments they emptied
    /// (except the tail, which the next pass releases with the rest).</summary>
    private void Consume(nint sent)
    {
        while (true)
        {
            var pending = _head!.End - _headSent;
            if (sent <= pending)
            {
                _headSent += (int)sent;
                return;
            }

            sent -= pending;
            var next = _head.Next;
            _head.Return();
            _head = next;
            _headSent = 0;
        }
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<FlushResult> WaitAndFlushAsync(CancellationToken cancellationToken)
    {
        // Once the signal exists every later event sets it; one that came before is covered by the retry below, which
        // runs before the first wait.
        var writable = socket.GetOrCreateWritable();
        using var registration = cancellationToken.UnsafeRegister(static state => ((AsyncSignal)state!).Set(), writable);
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (Interlocked.Exchange(ref _cancelPending, false))
            {
                return new FlushResult(isCanceled: true, isCompleted: false);
            }

            ObjectDisposedException.ThrowIf(_completed, this);
            if (TrySendAll())
            {
                return new FlushResult(isCanceled: false, isCompleted: false);
            }

            await writable.WaitAsync().ConfigureAwait(false);
        }
    }

    private void ReleaseAll()
    {
        while (_head is not null)
        {
            var next = _head.Next;
            _head.Return();
            _head = next;
        }

        _tail = null;
        _headSent = 0;
    }
}
