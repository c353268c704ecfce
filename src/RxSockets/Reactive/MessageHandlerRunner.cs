using System.Runtime.CompilerServices;
using System.Threading.Tasks.Sources;
using RxSockets.Transport;

namespace RxSockets.Reactive;

/// <summary>
/// <see cref="WebSocketConnection.HandleMessagesAsync"/>: the connection's messages, each given to a handler as a
/// <see cref="MessageLease"/>. While the handler keeps up, the read loop calls it directly for each message it parses
/// (<see cref="BoundedQueue{T}.TryWriteOrHandle"/>): no queue, no wake-up, no asynchronous step per message. Messages
/// that were queued before (received before the handler was attached, or while a handler's task was pending) are
/// handled first, in order, by this runner; a pending handler task holds the reader back, as a full queue does.
/// </summary>
internal abstract class MessageHandlerRunner : TaskCompletionSource, IDirectReader<Message>
{
    private static readonly Action<object?> s_onWaitCompleted = static state => ((MessageHandlerRunner)state!).OnWaitCompleted();

    private readonly ChannelObservable<Message> _owner;
    private readonly ConnectionDriver _driver;
    private readonly CancellationToken _token;
    private short _waitVersion;
    private volatile bool _stopped;
    private int _ended;

    /// <param name="owner">The connection's message surfaces, claimed for the handler's lifetime.</param>
    /// <param name="driver">The connection: its inbound queue, its end (which ends the handling as it ends an
    /// enumeration), and its failure when the handler throws.</param>
    /// <param name="cancellationToken">Stops the handling (not the connection).</param>
    /// <remarks>It is its own <see cref="TaskCompletionSource"/>: one object less per handled connection.</remarks>
    protected MessageHandlerRunner(ChannelObservable<Message> owner, ConnectionDriver driver, CancellationToken cancellationToken)
        : base(TaskCreationOptions.RunContinuationsAsynchronously)
    {
        _owner = owner;
        _driver = driver;
        _token = cancellationToken;
    }

    private BoundedQueue<Message> Queue => _driver.Inbox;

    /// <summary>Calls the application's handler.</summary>
    protected abstract ValueTask Call(MessageLease lease);

    /// <summary>Claims the messages, handles those already queued (on this thread, up to the first pending handler
    /// task), then lets the read loop hand over the rest.</summary>
    /// <exception cref="InvalidOperationException">The messages are already consumed by another surface.</exception>
    public Task Start()
    {
        _owner.BeginEnumeration();
        Queue.SetDirectReader(this);
        Drain();
        return Task;
    }

    bool IDirectReader<Message>.TryHandle(Message item, out ValueTask pending)
    {
        if (_stopped)
        {
            pending = default;
            return false;
        }

        pending = Invoke(item);
        return true;
    }

    /// <summary>Calls the handler; a handler that throws (or whose task faults) fails the connection.</summary>
    private ValueTask Invoke(Message message)
    {
        ValueTask handled;
        try
        {
            handled = Call(new MessageLease(message));
        }
#pragma warning disable CA1031 // The handler's failure is the handling's outcome, and it fails the connection.
        catch (Exception error)
#pragma warning restore CA1031
        {
            Fault(error);
            return default;
        }

        if (handled.IsCompletedSuccessfully)
        {
            handled.GetAwaiter().GetResult();   // consumes it: a task backed by a pooled source goes back to its pool
            return default;
        }

        return ObserveAsync(handled);
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask ObserveAsync(ValueTask handled)
    {
        try
        {
            await handled.ConfigureAwait(false);
        }
#pragma warning disable CA1031 // As in Invoke.
        catch (Exception error)
#pragma warning restore CA1031
        {
            Fault(error);
        }
    }

    /// <summary>Handles what is queued, in order, then waits for more (the read loop hands new messages over directly
    /// while this waits with nothing queued).</summary>
    private void Drain()
    {
        try
        {
            while (!_stopped)
            {
                if (Queue.TryRead(out var message))
                {
                    var handling = Invoke(message);
                    if (!handling.IsCompleted)
                    {
                        // Nothing more is taken from the queue until this one is handled: the queue fills and holds the
                        // read loop back.
                        handling.ConfigureAwait(false).GetAwaiter().UnsafeOnCompleted(Drain);
                        return;
                    }

                    continue;
                }

                if (Queue.BeginWait(_token, out var version) is not { } now)
                {
                    _waitVersion = version;
                    ((IValueTaskSource<bool>)Queue).OnCompleted(s_onWaitCompleted, this, version, ValueTaskSourceOnCompletedFlags.None);
                    return;
                }

                if (!now)
                {
                    End();
                    return;
                }
            }
        }
#pragma warning disable CA1031 // The failure (cancellation) is the handling's outcome.
        catch (Exception error)
#pragma warning restore CA1031
        {
            Stop(error);
        }
    }

    private void OnWaitCompleted()
    {
        try
        {
            if (!((IValueTaskSource<bool>)Queue).GetResult(_waitVersion))
            {
                End();
                return;
            }
        }
#pragma warning disable CA1031 // The failure (cancellation) is the handling's outcome.
        catch (Exception error)
#pragma warning restore CA1031
        {
            Stop(error);
            return;
        }

        Drain();
    }

    /// <summary>The queue is completed and empty: the handling ends as the connection did.</summary>
    private void End()
    {
        var ending = _token.CanBeCanceled ? _driver.Completion.WaitAsync(_token) : _driver.Completion;
        ending.ConfigureAwait(false).GetAwaiter().UnsafeOnCompleted(() =>
            Stop(ending.IsCompletedSuccessfully ? null : ending.IsCanceled ? new OperationCanceledException(_token) : ending.Exception!.InnerException!));
    }

    private void Fault(Exception error)
    {
        if (!_stopped)
        {
            _driver.Fail(new CloseStatus(CloseCode.InternalError, "message handler failed"), error);
        }

        Stop(error);
    }

    private void Stop(Exception? error)
    {
        if (Interlocked.Exchange(ref _ended, 1) == 1)
        {
            return;
        }

        _stopped = true;
        Queue.SetDirectReader(null);
        _owner.EndEnumeration();
        if (error is null)
        {
            TrySetResult();
        }
        else if (error is OperationCanceledException && _token.IsCancellationRequested)
        {
            TrySetCanceled(_token);
        }
        else
        {
            TrySetException(error);

            // Reading the exception marks it observed, as the connection's Completion does: the failure is the
            // connection's (its end, or the handler's own, which closed it with 1011 and is the inner exception of
            // Completion's), so nobody has to await the handling only to avoid UnobservedTaskException.
            _ = Task.Exception;
        }
    }
}

/// <summary>A <see cref="MessageHandlerRunner"/> for a handler with a state of its own: a server can hand every
/// connection the same static handler with the connection as its state, so no delegate is made per connection.</summary>
internal sealed class MessageHandlerRunner<TState>(
    ChannelObservable<Message> owner, ConnectionDriver driver, Func<MessageLease, TState, ValueTask> handler, TState state, CancellationToken cancellationToken)
    : MessageHandlerRunner(owner, driver, cancellationToken)
{
    protected override ValueTask Call(MessageLease lease) => handler(lease, state);
}
