using System.Reactive.Concurrency;

namespace RxSockets.Messaging;

/// <summary>
/// The requests one side of a messaging connection has sent and not yet had answered: correlation ids (1, 2, …), at
/// most <c>limit</c> at once, each with a timeout on the connection's scheduler (so tests run on virtual time), and
/// completed by the other side's <c>res</c> or <c>err</c>. When the connection ends, every pending request fails with
/// its error and later ones are refused. Thread-safe.
/// </summary>
internal sealed class PendingRequests(int limit, TimeSpan timeout, IScheduler scheduler)
{
    private readonly Dictionary<long, Pending> _pending = [];
    private long _lastId;
    private Exception? _ended;

    /// <summary>Requests sent and not answered.</summary>
    public int Count
    {
        get
        {
            lock (_pending)
            {
                return _pending.Count;
            }
        }
    }

    /// <summary>Registers a request about to be sent: its id, and the reply (or the failure) to await.</summary>
    /// <exception cref="RequestFailedException"><see cref="MessagingErrorCodes.Limit"/>: <c>limit</c> requests are
    /// pending.</exception>
    /// <exception cref="Exception">The error the connection ended with (see <see cref="FailAll"/>).</exception>
    public (long Id, Task<Message> Reply) Begin(CancellationToken cancellationToken = default)
    {
        Pending pending;
        lock (_pending)
        {
            if (_ended is { } ended)
            {
                throw ended;
            }

            if (_pending.Count >= limit)
            {
                throw new RequestFailedException(MessagingErrorCodes.Limit, $"{limit} requests are pending already");
            }

            pending = new Pending(++_lastId);
            _pending.Add(pending.Id, pending);
        }

        // Armed after the request is registered: an answer that comes first leaves a timer that finds nothing to fail.
        pending.Timer = scheduler.Schedule(timeout, () =>
            Fail(pending.Id, new RequestFailedException(MessagingErrorCodes.Timeout, $"no reply within {timeout.TotalSeconds:0.###} s")));
        if (cancellationToken.CanBeCanceled)
        {
            pending.Cancellation = cancellationToken.Register(() => Fail(pending.Id, new OperationCanceledException(cancellationToken)));
        }

        return (pending.Id, pending.Reply.Task);
    }

    /// <summary>Completes the request a <see cref="FrameKind.Reply"/> or <see cref="FrameKind.Error"/> answers.</summary>
    /// <returns>False when no such request is pending (it timed out, was cancelled, or never existed).</returns>
    public bool TryComplete(ProtocolFrame answer)
    {
        ArgumentNullException.ThrowIfNull(answer);
        return answer.Kind switch
        {
            FrameKind.Reply => Take(answer.Id)?.Reply.TrySetResult(answer.Payload ?? Message.Text("")) ?? false,
            FrameKind.Error => Fail(answer.Id, new RequestFailedException(answer.Code ?? MessagingErrorCodes.Internal, answer.Reason)),
            _ => throw new ArgumentException($"A '{ProtocolCodec.WireName(answer.Kind)}' frame answers no request.", nameof(answer)),
        };
    }

    /// <summary>Fails every pending request with <paramref name="error"/> and refuses later ones with it (the
    /// connection ended).</summary>
    public void FailAll(Exception error)
    {
        ArgumentNullException.ThrowIfNull(error);
        Pending[] pending;
        lock (_pending)
        {
            _ended ??= error;
            pending = [.. _pending.Values];
            _pending.Clear();
        }

        foreach (var request in pending)
        {
            request.Dispose();
            request.Reply.TrySetException(error);
        }
    }

    /// <summary>Fails one pending request (its frame could not be sent).</summary>
    /// <returns>False when it is not pending any more.</returns>
    public bool Fail(long id, Exception error) => Take(id)?.Reply.TrySetException(error) ?? false;

    private Pending? Take(long id)
    {
        Pending? pending;
        lock (_pending)
        {
            if (!_pending.Remove(id, out pending))
            {
                return null;
            }
        }

        pending.Dispose();
        return pending;
    }

    private sealed class Pending(long id) : IDisposable
    {
        public long Id { get; } = id;

        public TaskCompletionSource<Message> Reply { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public IDisposable? Timer { get; set; }

        public CancellationTokenRegistration Cancellation { get; set; }

        public void Dispose()
        {
            Timer?.Dispose();
            Cancellation.Dispose();
        }
    }
}
