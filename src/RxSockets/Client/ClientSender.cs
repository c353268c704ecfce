using System.Threading.Channels;
using RxSockets.Connection;
using RxSockets.Transport;

namespace RxSockets.Client;

/// <summary>
/// The reconnecting client's single send path: a bounded queue that outlives connections, and one loop that hands its
/// messages, in order, to whichever connection is ready (waiting while there is none). A message the dropped connection
/// refused is sent first on the next one; a message already handed to a connection that then dropped is lost
/// (at-most-once) unless a session layer replays it. Thread-safe.
/// </summary>
internal sealed class ClientSender : IAsyncDisposable
{
    private readonly BoundedQueue<QueuedSend> _queue;
    private readonly SendQueueOverflow _overflow;
    private readonly TimeProvider _clock;
    private readonly CancellationTokenSource _stop = new();
    private TaskCompletionSource<WebSocketConnection> _ready = NewReady();
    private IClientSessionLayer? _layer;
    private Task _loop = Task.CompletedTask;
    private long _dropped;
    private long _expired;
    private int _queued;   // messages accepted and not yet gone (see Queued)

    /// <param name="capacity">The most messages queued.</param>
    /// <param name="maxBytes">The most payload bytes queued; an empty queue still takes one larger message.</param>
    /// <param name="overflow">What a message that does not fit does.</param>
    /// <param name="clock">The client's clock, for time-to-live; null for the system's.</param>
    public ClientSender(int capacity, long maxBytes, SendQueueOverflow overflow, TimeProvider? clock = null)
    {
        _overflow = overflow;
        _clock = clock ?? TimeProvider.System;
        _queue = new BoundedQueue<QueuedSend>(capacity, maxBytes, static send => send.Message.Data.Length, inline: false);
    }

    /// <summary>Messages dropped by the overflow policy.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>Messages sent with a time-to-live that expired while queued, and so were never sent.</summary>
    public long Expired => Interlocked.Read(ref _expired);

    /// <summary>Messages waiting in the client's queue, including the one the loop has taken for the next connection
    /// (until it is sent, expires, or the sender is disposed). A count of its own, not the queue's count plus the loop's
    /// message, which would miss a message the loop has taken and not yet marked: each message is counted in just before
    /// it is offered to the queue (and out again if refused, so a refused message may show for an instant: the count
    /// may run over by the messages being offered, never under) and counted out once, by whoever ends its wait: the
    /// loop (sent, or disposed), the overflow policy (dropped), the expiry (expired), or the dispose (failed).</summary>
    public int Queued => Volatile.Read(ref _queued);

    /// <summary>Payload bytes in the client's queue: the bytes held against the byte budget, which the message the loop
    /// has taken no longer uses (so unlike <see cref="Queued"/> it does not count that one). Read under the queue's lock
    /// with its count, so it has no moment that misses a message.</summary>
    public long QueuedBytes => _queue.Bytes;

    /// <summary>For tests: runs on the send loop each time it has taken a message from the queue, before it does
    /// anything else with it.</summary>
    public Action? AfterTake { get; set; }

    public void Start(IClientSessionLayer? layer)
    {
        _layer = layer;
        _loop = RunAsync(_stop.Token);
    }

    public ValueTask SendAsync(Message message, CancellationToken cancellationToken) =>
        SendAsync(new QueuedSend(message, null), cancellationToken);

    /// <summary>Queues a message that expires after <paramref name="timeToLive"/> in the queue; the task completes when
    /// it is handed to a connection, or fails with <see cref="MessageExpiredException"/>.</summary>
    public async ValueTask SendAsync(Message message, TimeSpan timeToLive, CancellationToken cancellationToken)
    {
        var expiry = new ExpiringSend(_clock, timeToLive, OnExpired);
        await SendAsync(new QueuedSend(message, expiry), cancellationToken).ConfigureAwait(false);
        expiry.Arm();
        await expiry.Completion.ConfigureAwait(false);
    }

    private ValueTask SendAsync(QueuedSend message, CancellationToken cancellationToken)
    {
        if (TryWrite(message))
        {
            return default;
        }

        if (_stop.IsCancellationRequested)
        {
            return ValueTask.FromException(new ObjectDisposedException(nameof(WebSocketClient)));
        }

        return _overflow == SendQueueOverflow.Fail
            ? ValueTask.FromException(new InvalidOperationException("The client's send queue is full (SendOverflow is Fail): send slower or raise ReconnectOptions.SendQueueCapacity or ReconnectOptions.MaxQueuedBytes."))
            : WaitAsync(message, cancellationToken);
    }

    /// <summary>Queues without waiting; a message that does not fit is dropped and counted.</summary>
    public void Post(Message message)
    {
        if (!TryWrite(new QueuedSend(message, null)))
        {
            // Under DropOldest only a completed (disposed) queue refuses; under the others, a full one too.
            CountDropped(_overflow == SendQueueOverflow.DropOldest ? Diagnostics.RxSocketsMetrics.Closing : Diagnostics.RxSocketsMetrics.DropNewest);
        }
    }

    /// <summary>The connection is ready for user messages: the queue starts flushing into it.</summary>
    public void Attach(WebSocketConnection connection) => Volatile.Read(ref _ready).TrySetResult(connection);

    /// <summary>The connection is gone: the queue holds its messages until the next <see cref="Attach"/>.</summary>
    public void Detach(WebSocketConnection connection)
    {
        var current = Volatile.Read(ref _ready);
        if (current.Task.IsCompletedSuccessfully && ReferenceEquals(current.Task.Result, connection))
        {
            Interlocked.CompareExchange(ref _ready, NewReady(), current);
        }
    }

    public async ValueTask DisposeAsync()
    {
        _queue.TryComplete();
        await _stop.CancelAsync().ConfigureAwait(false);
        await _loop.ConfigureAwait(false);
        while (_queue.TryRead(out var left))
        {
            Fail(left, new ObjectDisposedException(nameof(WebSocketClient)));
        }

        _stop.Dispose();
    }

    /// <summary>Queues without waiting; under <see cref="SendQueueOverflow.DropOldest"/> the oldest messages are
    /// dropped (and counted) until the new one fits, by count and by bytes.</summary>
    private bool TryWrite(QueuedSend message)
    {
        // Counted before the queue has it: the loop may take it, send it and count it out before this thread runs on.
        Interlocked.Increment(ref _queued);
        while (!_queue.TryWrite(message))
        {
            if (_overflow != SendQueueOverflow.DropOldest || !_queue.TryRemoveOldest(static _ => true, out var oldest))
            {
                Interlocked.Decrement(ref _queued);
                return false;   // full under another policy, or completed (an empty queue takes any message)
            }

            CountDropped(Diagnostics.RxSocketsMetrics.DropOldest);
            Fail(oldest, new InvalidOperationException("The message was dropped from the client's full send queue (SendOverflow is DropOldest)."));
        }

        return true;
    }

    /// <summary>Ends the wait of a message that will never be sent (dropped, or disposed of) and counts it out, unless
    /// it expired first: then its expiry counted it out (<see cref="OnExpired"/>).</summary>
    private void Fail(QueuedSend message, Exception error)
    {
        if (message.Expiry?.Fail(error) ?? true)
        {
            Interlocked.Decrement(ref _queued);
        }
    }

    private void CountDropped(string policy)
    {
        Interlocked.Increment(ref _dropped);
        Diagnostics.RxSocketsMetrics.MessageDropped(ConnectionRole.Client, Diagnostics.RxSocketsMetrics.Outbound, policy);
    }

    /// <summary>Counts an expired message, frees its place in the queue if it is still there, and counts it out at
    /// once wherever it is (the loop, holding it, lets it go when a connection comes without counting it out again).
    /// Runs once per message, the one way its expiry ends (see <see cref="ExpiringSend"/>).</summary>
    private void OnExpired(ExpiringSend expiry)
    {
        Interlocked.Increment(ref _expired);
        _queue.TryRemoveOldest(send => ReferenceEquals(send.Expiry, expiry), out _);
        Interlocked.Decrement(ref _queued);
    }

    private static TaskCompletionSource<WebSocketConnection> NewReady() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Waits for room, then queues (and counts) the message through <see cref="TryWrite(QueuedSend)"/>.</summary>
    private async ValueTask WaitAsync(QueuedSend message, CancellationToken cancellationToken)
    {
        try
        {
            while (!TryWrite(message))
            {
                await _queue.WaitForRoomAsync(message, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (ChannelClosedException)
        {
            throw new ObjectDisposedException(nameof(WebSocketClient));
        }
    }

    private async Task RunAsync(CancellationToken cancellationToken)
    {
        QueuedSend? pending = null;   // for the next connection (null once handed to the layer)
        QueuedSend? held = null;      // taken and not yet counted out, from the take until it is sent, expires or fails
        try
        {
            while (true)
            {
                if (pending is null)
                {
                    if (!await _queue.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
                    {
                        return;
                    }

                    if (!_queue.TryRead(out var next))
                    {
                        continue;
                    }

                    held = pending = next;
                    AfterTake?.Invoke();
                }

                var connection = await Volatile.Read(ref _ready).Task.WaitAsync(cancellationToken).ConfigureAwait(false);
                var expiry = pending.Value.Expiry;
                if (expiry is not null && !expiry.TryClaim())
                {
                    // Expired while waiting for this connection: never sent (counted, counted out, its sender told, by
                    // the expiry).
                    held = pending = null;
                    continue;
                }

                try
                {
                    // Wrapped once, for an attached connection: the layer numbers it and keeps it for replay from then on.
                    var message = pending.Value.Message;
                    var wire = _layer is { } layer ? layer.WrapOutgoing(message) : message;
                    pending = _layer is null ? pending : null;
                    await connection.SendAsync(wire, cancellationToken).ConfigureAwait(false);
                    pending = null;
                    expiry?.Sent();
                }
                catch (ConnectionClosedException)
                {
                    // Refused by a closing connection: still pending for the next one (a layer replays it itself).
                    if (pending is null)
                    {
                        expiry?.Sent();
                    }
                    else
                    {
                        expiry?.Unclaim();
                    }

                    await Task.WhenAny(connection.Completion).ConfigureAwait(false);
                    Detach(connection);
                }

                if (pending is null)
                {
                    // Sent (to the connection or the layer): its expiry, claimed, could not end any other way.
                    held = null;
                    Interlocked.Decrement(ref _queued);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Disposed: the message the loop has is never sent (even one handed to the layer and not yet sent).
            if (held is { } left)
            {
                Fail(left, new ObjectDisposedException(nameof(WebSocketClient)));
            }
        }
    }
}
