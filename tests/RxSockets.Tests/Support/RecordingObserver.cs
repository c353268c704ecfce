namespace RxSockets.Tests.Support;

/// <summary>Records what an observable delivers; <see cref="WaitForCountAsync"/> and <see cref="Terminated"/> let a test
/// await it. Thread-safe.</summary>
internal sealed class RecordingObserver<T> : IObserver<T>
{
    private readonly object _gate = new();
    private readonly List<T> _values = [];
    private readonly List<(int Count, TaskCompletionSource Signal)> _waiters = [];
    private readonly TaskCompletionSource<Exception?> _terminated = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public IReadOnlyList<T> Values
    {
        get
        {
            lock (_gate)
            {
                return [.. _values];
            }
        }
    }

    /// <summary>Completes with null on OnCompleted, or with the error on OnError.</summary>
    public Task<Exception?> Terminated => _terminated.Task;

    public Task WaitForCountAsync(int count, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (_values.Count >= count)
            {
                return Task.CompletedTask;
            }

            var signal = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((count, signal));
            return signal.Task.WaitAsync(cancellationToken);
        }
    }

    public void OnNext(T value)
    {
        lock (_gate)
        {
            _values.Add(value);
            foreach (var waiter in _waiters.Where(w => w.Count <= _values.Count).ToList())
            {
                waiter.Signal.TrySetResult();
                _waiters.Remove(waiter);
            }
        }
    }

    public void OnError(Exception error) => _terminated.TrySetResult(error);

    public void OnCompleted() => _terminated.TrySetResult(null);
}
