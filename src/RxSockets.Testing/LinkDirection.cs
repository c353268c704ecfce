using System.Buffers;
using System.IO;
using System.IO.Pipelines;
using System.Threading.Channels;

namespace RxSockets.Testing;

/// <summary>
/// One direction of an <see cref="InMemoryLink"/>: what one end writes, on its way to the other end's reader, and the
/// faults a test injects into it. A fault acts on whole writes (the bytes between two flushes; RxSockets flushes
/// whole frames), in the order they were made. Thread-safe: the test drives it while the connections run.
/// </summary>
public sealed class LinkDirection
{
    private readonly Lock _gate = new();
    private readonly Pipe _target;
    private readonly Channel<LinkChunk> _queue = Channel.CreateUnbounded<LinkChunk>(new UnboundedChannelOptions { SingleReader = true });
    private TaskCompletionSource _resumed = NewSignal(completed: true);
    private TaskCompletionSource? _flushCanceled;
    private bool _cancelNextFlush;
    private bool _stalled;
    private bool _dropping;
    private int _dropNext;
    private bool _writerCompleted;
    private bool _readerGone;
    private bool _cut;
    private long _bytesDelivered;
    private int _writesDelivered;
    private int _writesDropped;
    private int _writesTaken;
    private readonly List<(int Count, TaskCompletionSource Signal)> _writeWaiters = [];

    internal LinkDirection(string name, PipeOptions pipeOptions)
    {
        Name = name;
        _target = new Pipe(pipeOptions);
        Writer = new LinkWriter(this);
        Completion = PumpAsync();
    }

    /// <summary>Which way the bytes go, such as "client to server".</summary>
    public string Name { get; }

    /// <summary>Whether writes are being held (<see cref="Stall"/>).</summary>
    public bool IsStalled
    {
        get
        {
            lock (_gate)
            {
                return _stalled;
            }
        }
    }

    /// <summary>Whether writes are being dropped (<see cref="Drop"/>).</summary>
    public bool IsDropping
    {
        get
        {
            lock (_gate)
            {
                return _dropping;
            }
        }
    }

    /// <summary>The bytes handed to the reading end so far.</summary>
    public long BytesDelivered => Interlocked.Read(ref _bytesDelivered);

    /// <summary>The writes (flushes) handed to the reading end so far.</summary>
    public int WritesDelivered => Volatile.Read(ref _writesDelivered);

    /// <summary>The writes lost to <see cref="Drop"/> and <see cref="DropNext"/> so far.</summary>
    public int WritesDropped => Volatile.Read(ref _writesDropped);

    /// <summary>The writes (flushes with data) the writing end has made so far: delivered, held or dropped.</summary>
    public int WritesTaken
    {
        get
        {
            lock (_gate)
            {
                return _writesTaken;
            }
        }
    }

    /// <summary>The writes taken but not delivered yet: held by a stall, or on their way.</summary>
    public int WritesPending
    {
        get
        {
            lock (_gate)
            {
                return _writesTaken - _writesDropped - WritesDelivered;
            }
        }
    }

    /// <summary>Completes once the writing end has made <paramref name="count"/> writes in all (see
    /// <see cref="WritesTaken"/>): a test awaits it to know that something it caused (a message, a ping the clock
    /// triggered) has left the connection, before it moves time further or checks the other end.</summary>
    /// <param name="count">The total number of writes to wait for; at least 1.</param>
    /// <param name="cancellationToken">Stops waiting.</param>
    /// <returns>A task that completes when the count is reached.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="count"/> is below 1.</exception>
    public Task WaitForWritesAsync(int count, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        lock (_gate)
        {
            if (_writesTaken >= count)
            {
                return Task.CompletedTask;
            }

            var signal = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _writeWaiters.Add((count, signal));
            return signal.Task.WaitAsync(cancellationToken);
        }
    }

    /// <summary>The end the writer writes to.</summary>
    internal PipeWriter Writer { get; }

    /// <summary>The end the other side reads from.</summary>
    internal PipeReader Reader => _target.Reader;

    /// <summary>Completes when this direction stopped moving bytes (its writer completed and everything before the end
    /// was delivered, its reader is gone, or the link was cut).</summary>
    internal Task Completion { get; }

    /// <summary>Holds every write from now on, in order, without blocking the writer (as a peer that stopped reading
    /// behind a large network buffer, or a network that went silent): nothing reaches the other end until
    /// <see cref="Resume"/>. A connection on the other end sees no data and no pong, so its keepalive declares the
    /// peer dead once its timeout passes.</summary>
    public void Stall()
    {
        lock (_gate)
        {
            if (!_stalled)
            {
                _stalled = true;
                _resumed = NewSignal(completed: false);
            }
        }
    }

    /// <summary>Ends <see cref="Stall"/> and <see cref="Drop"/>: the held writes are delivered, in order, then the
    /// writes that follow. Writes dropped are gone for good.</summary>
    public void Resume()
    {
        TaskCompletionSource resumed;
        lock (_gate)
        {
            _stalled = false;
            _dropping = false;
            _dropNext = 0;
            resumed = _resumed;
        }

        resumed.TrySetResult();
    }

    /// <summary>Discards every write from now on until <see cref="Resume"/>, while the writer sees them succeed: a
    /// black hole, the half-open connection a keepalive exists to detect. Writes already held by a stall still
    /// arrive on resume.</summary>
    public void Drop()
    {
        lock (_gate)
        {
            _dropping = true;
        }
    }

    /// <summary>Discards the next <paramref name="writes"/> writes (flushes) made after this call, then lets the
    /// following ones through: a lost pong, a lost request, a lost reply. A write is one or more whole WebSocket
    /// frames, so the stream stays well-formed.</summary>
    /// <param name="writes">How many writes to lose; at least 1.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="writes"/> is below 1.</exception>
    public void DropNext(int writes)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(writes, 1);
        lock (_gate)
        {
            _dropNext += writes;
        }
    }

    /// <inheritdoc/>
    public override string ToString() => $"{Name}: {WritesDelivered} writes ({BytesDelivered} bytes) delivered, {WritesDropped} dropped";

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

    private static TaskCompletionSource NewSignal(bool completed)
    {
        var signal = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        if (completed)
        {
            signal.TrySetResult();
        }

        return signal;
    }
}
