using System.IO.Pipelines;
using System.Threading.Channels;

namespace RxSockets.Testing;

/// <summary>
/// One direction of an <see cref="InMemoryLink"/>: what one end writes, on its way to the other end's reader, and the
/// faults a test injects into it. A fault acts on whole writes (the bytes between two flushes; RxSockets flushes
/// whole frames), in the order they were made. Thread-safe: the test drives it while the connections run.
/// </summary>
public sealed partial class LinkDirection
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
