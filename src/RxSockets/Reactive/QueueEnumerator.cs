using System.Threading.Tasks.Sources;
using RxSockets.Transport;

namespace RxSockets.Reactive;

/// <summary>
/// <see cref="ChannelObservable{T}.ReadAllAsync"/> over a <see cref="BoundedQueue{T}"/> without a compiler-made async
/// iterator: it is its own enumerable, enumerator and pending <c>MoveNextAsync</c>, and it attaches to the queue's
/// wait directly, so an idle <c>await foreach</c> holds this one object and no state machine box. A waiting
/// <c>MoveNextAsync</c> completes where the queue's wait completes (inline on the read loop, with inline delivery).
/// </summary>
/// <remarks>One consumer at a time, as for any async enumerator: <c>MoveNextAsync</c> is not called again before the
/// previous one completed. Not sealed for <see cref="LeaseEnumerator"/>, which is the same object handing out leases.</remarks>
internal class QueueEnumerator<T> : IAsyncEnumerable<T>, IAsyncEnumerator<T>, IValueTaskSource<bool>
{
    private const int Fresh = 0;
    private const int Running = 1;
    private const int Done = 2;

    private static readonly Action<object?> s_onWaitCompleted = static state => ((QueueEnumerator<T>)state!).OnWaitCompleted();

    private readonly ChannelObservable<T> _owner;
    private readonly BoundedQueue<T> _queue;   // the owner's, kept here for the per-message TryRead (no cast)
    private CancellationToken _token;
    private CancellationTokenSource? _linked;
    private ManualResetValueTaskSourceCore<bool> _core;
    private T _current = default!;
    private short _waitVersion;
    private int _state;
    private int _enumeratorTaken;

    public QueueEnumerator(ChannelObservable<T> owner, BoundedQueue<T> queue, CancellationToken cancellationToken)
    {
        _owner = owner;
        _queue = queue;
        _token = cancellationToken;
    }

    protected ChannelObservable<T> Owner => _owner;

    protected BoundedQueue<T> Queue => _queue;

    public T Current => _current;

    public IAsyncEnumerator<T> GetAsyncEnumerator(CancellationToken cancellationToken = default)
    {
        if (Interlocked.Exchange(ref _enumeratorTaken, 1) == 1)
        {
            return CreateAnother(_token).GetAsyncEnumerator(cancellationToken);
        }

        // As [EnumeratorCancellation]: the token given to ReadAllAsync and the one given here both stop the enumeration.
        if (cancellationToken.CanBeCanceled && cancellationToken != _token)
        {
            if (_token.CanBeCanceled)
            {
                _linked = CancellationTokenSource.CreateLinkedTokenSource(_token, cancellationToken);
                _token = _linked.Token;
            }
            else
            {
                _token = cancellationToken;
            }
        }

        return this;
    }

    public ValueTask<bool> MoveNextAsync()
    {
        if (_state != Running)
        {
            if (_state == Done)
            {
                return new ValueTask<bool>(false);
            }

            try
            {
                _owner.BeginEnumeration();
            }
            catch (InvalidOperationException error)
            {
                _state = Done;
                return ValueTask.FromException<bool>(error);
            }

            _state = Running;
        }

        if (_queue.TryRead(out var item))
        {
            _current = item;
            return new ValueTask<bool>(true);
        }

        _core.Reset();
        Advance();
        return new ValueTask<bool>(this, _core.Version);
    }

    public ValueTask DisposeAsync()
    {
        Finish();
        _linked?.Dispose();
        return default;
    }

    /// <summary>A fresh enumeration of the same items, for a second <c>GetAsyncEnumerator</c>.</summary>
    protected virtual QueueEnumerator<T> CreateAnother(CancellationToken cancellationToken) => new(_owner, _queue, cancellationToken);

    bool IValueTaskSource<bool>.GetResult(short token) => _core.GetResult(token);

    ValueTaskSourceStatus IValueTaskSource<bool>.GetStatus(short token) => _core.GetStatus(token);

    void IValueTaskSource<bool>.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _core.OnCompleted(continuation, state, token, flags);

    /// <summary>Completes the pending <c>MoveNextAsync</c> with the next item, or the end, or attaches to the queue's wait
    /// to come back here when there may be one.</summary>
    private void Advance()
    {
        try
        {
            while (true)
            {
                _token.ThrowIfCancellationRequested();
                if (_queue.BeginWait(_token, out var version) is not { } now)
                {
                    _waitVersion = version;
                    ((IValueTaskSource<bool>)_queue).OnCompleted(s_onWaitCompleted, this, version, ValueTaskSourceOnCompletedFlags.None);
                    return;
                }

                if (!now)
                {
                    End();
                    return;
                }

                if (_queue.TryRead(out var item))
                {
                    _current = item;
                    _core.SetResult(true);
                    return;
                }
            }
        }
#pragma warning disable CA1031 // The failure (cancellation) is the pending MoveNextAsync's outcome.
        catch (Exception error)
#pragma warning restore CA1031
        {
            Fail(error);
        }
    }

    private void OnWaitCompleted()
    {
        try
        {
            _ = ((IValueTaskSource<bool>)_queue).GetResult(_waitVersion);
        }
#pragma warning disable CA1031 // The failure (cancellation) is the pending MoveNextAsync's outcome.
        catch (Exception error)
#pragma warning restore CA1031
        {
            Fail(error);
            return;
        }

        Advance();
    }

    /// <summary>The queue is completed and empty: the enumeration ends as the connection did (it throws when
    /// <c>completion</c> faulted).</summary>
    private void End()
    {
        var completion = _owner.Completion;
        var ending = _token.CanBeCanceled ? completion.WaitAsync(_token) : completion;
        if (ending.IsCompleted)
        {
            Conclude(ending);
        }
        else
        {
            ending.ConfigureAwait(false).GetAwaiter().UnsafeOnCompleted(() => Conclude(ending));
        }
    }

    private void Conclude(Task ending)
    {
        if (ending.IsCompletedSuccessfully)
        {
            Finish();
            _core.SetResult(false);
            return;
        }

        Fail(ending.IsCanceled ? new OperationCanceledException(_token) : ending.Exception!.InnerException!);
    }

    private void Fail(Exception error)
    {
        Finish();
        _core.SetException(error);
    }

    private void Finish()
    {
        if (_state == Running)
        {
            _owner.EndEnumeration();
        }

        _state = Done;
    }
}
