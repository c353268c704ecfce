using System.IO.Pipelines;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace RxSockets.Transport.Epoll;

/// <summary>
/// The output side of an <see cref="EpollSocket"/>: a <see cref="PipeWriter"/> that buffers into pooled segments and
/// flushes with <c>send</c> on the flushing thread. Only a full socket buffer (EAGAIN) makes a flush wait for the
/// epoll thread's writable signal. After a complete flush every array goes back to the pool.
/// </summary>
/// <remarks>One writer at a time (the session's write loop), as for any <see cref="PipeWriter"/>.</remarks>
internal sealed class EpollPipeWriter(EpollSocket socket) : PipeWriter
{
    // As large as the driver's flush threshold, so that one flush is one send (segments go back to the pool after a
    // complete flush: an idle connection holds none).
    private const int SegmentSize = 64 * 1024;

    private PooledSegment? _head;
    private int _headSent;
    private PooledSegment? _tail;
    private long _unflushed;
    private int _cancelPending;
    private bool _completed;

    /// <summary>True while the writer holds unsent bytes (after a complete flush it holds none).</summary>
    internal bool HoldsBuffer => _head is not null;

    public override bool CanGetUnflushedBytes => true;

    public override long UnflushedBytes => _unflushed;

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
        _unflushed += bytes;
    }

    public override ValueTask<FlushResult> FlushAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_completed, this);
        return TrySendAll() ? new ValueTask<FlushResult>(new FlushResult(isCanceled: false, isCompleted: false)) : WaitAndFlushAsync(cancellationToken);
    }

    public override void CancelPendingFlush()
    {
        Volatile.Write(ref _cancelPending, 1);
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
            _tail = PooledSegment.Rent(Math.Max(needed, SegmentSize), _tail);
            _head ??= _tail;
        }

        return _tail;
    }

    /// <summary>Sends until everything is out (true, all arrays returned) or the socket buffer is full (false).</summary>
    private unsafe bool TrySendAll()
    {
        while (_head is not null)
        {
            var pending = _head.End - _headSent;
            if (pending == 0)
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

            nint sent;
            fixed (byte* buffer = &_head.Array[_headSent])
            {
                sent = Libc.send(socket.Fd, buffer, pending, Libc.MSG_NOSIGNAL);
            }

            if (sent > 0)
            {
                _headSent += (int)sent;
                _unflushed -= sent;
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
            if (Interlocked.Exchange(ref _cancelPending, 0) == 1)
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
        _unflushed = 0;
    }
}
