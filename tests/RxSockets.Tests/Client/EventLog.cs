namespace RxSockets.Tests.Client;

/// <summary>Records a client's events and lets a test await the next one of a given type.</summary>
internal sealed class EventLog : IObserver<ClientEvent>
{
    private readonly Lock _gate = new();
    private readonly List<ClientEvent> _events = [];
    private readonly List<(Func<ClientEvent, bool> Match, int Skip, TaskCompletionSource<ClientEvent> Result)> _waiters = [];

    public static EventLog Of(WebSocketClient client)
    {
        var log = new EventLog();
        client.Events.Subscribe(log);
        return log;
    }

    public IReadOnlyList<ClientEvent> All
    {
        get
        {
            lock (_gate)
            {
                return [.. _events];
            }
        }
    }

    public IReadOnlyList<T> OfType<T>() => [.. All.OfType<T>()];

    /// <summary>Completes with the <paramref name="count"/>-th event of type <typeparamref name="T"/> (from 1, counting
    /// those already recorded).</summary>
    public async Task<T> WaitForAsync<T>(int count, CancellationToken cancellationToken)
        where T : ClientEvent
    {
        TaskCompletionSource<ClientEvent> result = new(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_gate)
        {
            var seen = _events.OfType<T>().ToList();
            if (seen.Count >= count)
            {
                return seen[count - 1];
            }

            _waiters.Add((e => e is T, count - seen.Count, result));
        }

        return (T)await result.Task.WaitAsync(cancellationToken);
    }

    public void OnNext(ClientEvent value)
    {
        lock (_gate)
        {
            _events.Add(value);
            for (var i = _waiters.Count - 1; i >= 0; i--)
            {
                var (match, skip, result) = _waiters[i];
                if (!match(value))
                {
                    continue;
                }

                if (skip == 1)
                {
                    _waiters.RemoveAt(i);
                    result.TrySetResult(value);
                }
                else
                {
                    _waiters[i] = (match, skip - 1, result);
                }
            }
        }
    }

    public void OnError(Exception error)
    {
    }

    public void OnCompleted()
    {
    }
}
