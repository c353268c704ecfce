using System.Buffers;
using System.IO;
using System.IO.Pipelines;

namespace RxSockets.Testing;

// The data path: the writer's side (SendAsync, flush cancellation, completion), the pump that applies the faults and
// delivers to the reader, and the cut link.
public sealed partial class LinkDirection
{
    /// <summary>The end the writer writes to.</summary>
    internal PipeWriter Writer { get; }

    /// <summary>The end the other side reads from.</summary>
    internal PipeReader Reader => _target.Reader;

    /// <summary>Completes when this direction stopped moving bytes (its writer completed and everything before the end
    /// was delivered, its reader is gone, or the link was cut).</summary>
    internal Task Completion { get; }

    /// <summary>Kills the direction at once: held and queued writes are lost, the reader fails with an
    /// <see cref="IOException"/> (as after a connection reset) and later writes report the reader gone.</summary>
    internal void Cut()
    {
        TaskCompletionSource resumed;
        TaskCompletionSource? flush;
        lock (_gate)
        {
            _cut = true;
            resumed = _resumed;
            flush = _flushCanceled;
        }

        resumed.TrySetResult();            // a pump waiting out a stall wakes to see the cut
        flush?.TrySetResult();             // a writer waiting for its write to be delivered is told now
        _target.Writer.CancelPendingFlush();   // a pump waiting on a full reader wakes too
        _queue.Writer.TryComplete();
    }

    internal void CancelPendingFlush()
    {
        lock (_gate)
        {
            if (_flushCanceled is { } pending)
            {
                pending.TrySetResult();
            }
            else
            {
                _cancelNextFlush = true;   // as a pipe: a cancel with no flush pending cancels the next one
            }
        }
    }

    internal void CompleteWriting(Exception? error)
    {
        lock (_gate)
        {
            if (_writerCompleted)
            {
                return;
            }

            _writerCompleted = true;
        }

        _queue.Writer.TryWrite(LinkChunk.End(error));   // after everything written before: a FIN follows the data
    }

    internal async ValueTask<FlushResult> SendAsync(byte[] data, CancellationToken cancellationToken)
    {
        TaskCompletionSource<bool>? accepted;
        TaskCompletionSource canceled;
        lock (_gate)
        {
            if (_writerCompleted)
            {
                throw new InvalidOperationException($"Writing is not allowed after the writer was completed ({Name}).");
            }

            if (_cancelNextFlush)
            {
                _cancelNextFlush = false;
                return new FlushResult(isCanceled: true, isCompleted: false);
            }

            if (_cut || _readerGone)
            {
                return new FlushResult(isCanceled: false, isCompleted: true);
            }

            if (data.Length == 0)
            {
                return default;
            }

            Taken();

            if (_dropping || _dropNext > 0)
            {
                _dropNext = _dropping ? _dropNext : _dropNext - 1;
                _writesDropped++;
                return default;
            }

            // During a stall the write is taken at once (held in the link); otherwise the writer waits for delivery,
            // so the reader's backpressure reaches it as over a real pipe.
            accepted = _stalled ? null : new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
            canceled = NewSignal(completed: false);
            _flushCanceled = accepted is null ? null : canceled;
            _queue.Writer.TryWrite(new LinkChunk(data, accepted, IsEnd: false, Error: null));
        }

        if (accepted is null)
        {
            return default;
        }

        try
        {
            var done = await Task.WhenAny(accepted.Task, canceled.Task).WaitAsync(cancellationToken).ConfigureAwait(false);
            if (done != accepted.Task)
            {
                return new FlushResult(isCanceled: !IsCut(), isCompleted: IsCut());
            }

            return new FlushResult(isCanceled: false, isCompleted: !await accepted.Task.ConfigureAwait(false));
        }
        finally
        {
            lock (_gate)
            {
                if (ReferenceEquals(_flushCanceled, canceled))
                {
                    _flushCanceled = null;
                }
            }
        }
    }

    /// <summary>Counts one write and wakes the waiters it satisfies; under the lock.</summary>
    private void Taken()
    {
        _writesTaken++;
        for (var i = _writeWaiters.Count - 1; i >= 0; i--)
        {
            if (_writeWaiters[i].Count <= _writesTaken)
            {
                _writeWaiters[i].Signal.TrySetResult();
                _writeWaiters.RemoveAt(i);
            }
        }
    }

    private bool IsCut()
    {
        lock (_gate)
        {
            return _cut;
        }
    }

    private async Task PumpAsync()
    {
        Exception? end = null;
        var failed = false;
        try
        {
            await foreach (var next in _queue.Reader.ReadAllAsync().ConfigureAwait(false))
            {
                var chunk = next;
                var resumed = WaitWhileStalledAsync();
                if (!resumed.IsCompleted)
                {
                    // Stalled after the write was made: the link holds it, and its writer goes on.
                    chunk.Accepted?.TrySetResult(true);
                    chunk = chunk with { Accepted = null };
                    await resumed.ConfigureAwait(false);
                }

                if (IsCut())
                {
                    chunk.Accepted?.TrySetResult(false);
                    break;
                }

                if (chunk.IsEnd)
                {
                    await _target.Writer.CompleteAsync(chunk.Error).ConfigureAwait(false);
                    return;
                }

                _target.Writer.Write(chunk.Data);
                var flushed = await _target.Writer.FlushAsync().ConfigureAwait(false);
                if (IsCut())
                {
                    chunk.Accepted?.TrySetResult(false);
                    break;
                }

                Interlocked.Add(ref _bytesDelivered, chunk.Data.Length);
                Interlocked.Increment(ref _writesDelivered);
                chunk.Accepted?.TrySetResult(!flushed.IsCompleted);
                if (flushed.IsCompleted)
                {
                    lock (_gate)
                    {
                        _readerGone = true;   // the other end completed its reader: later writes report it
                    }

                    break;
                }
            }

            end = new IOException("The link was cut: the connection was reset.");
        }
        catch (Exception error)
        {
            end = error;   // never expected; passed to the reader rather than lost
            failed = true;
        }
        finally
        {
            while (_queue.Reader.TryRead(out var left))
            {
                left.Accepted?.TrySetResult(false);
            }
        }

        await _target.Writer.CompleteAsync(failed || IsCut() ? end : null).ConfigureAwait(false);
    }

    private Task WaitWhileStalledAsync()
    {
        lock (_gate)
        {
            return _resumed.Task;
        }
    }
}
