using RxSockets.Scaling;

namespace RxSockets.Redis.Tests.Support;

/// <summary>An <see cref="IBackplaneHandler"/> that records every call, and lets a test await a condition on what it
/// recorded (the timeout is only an upper bound).</summary>
internal sealed class RecordingHandler : IBackplaneHandler
{
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    private readonly object _gate = new();
    private readonly List<TopicPublication> _publications = [];
    private readonly List<BackplaneMessage> _broadcasts = [];
    private readonly List<(string Topic, ClusterMember Member, bool Joined)> _memberships = [];
    private readonly List<string> _connectionEvents = [];
    private readonly List<(Func<bool> Condition, TaskCompletionSource Signal)> _waiters = [];
    private int _inPublication;

    public int LocalClientCount { get; set; }

    /// <summary>True when two publications of one topic were ever handed over at the same time.</summary>
    public bool OverlappingPublications { get; private set; }

    public IReadOnlyList<TopicPublication> Publications
    {
        get
        {
            lock (_gate)
            {
                return [.. _publications];
            }
        }
    }

    public int PublicationCount
    {
        get
        {
            lock (_gate)
            {
                return _publications.Count;
            }
        }
    }

    public IReadOnlyList<BackplaneMessage> Broadcasts
    {
        get
        {
            lock (_gate)
            {
                return [.. _broadcasts];
            }
        }
    }

    public IReadOnlyList<(string Topic, ClusterMember Member, bool Joined)> Memberships
    {
        get
        {
            lock (_gate)
            {
                return [.. _memberships];
            }
        }
    }

    /// <summary>"lost" and "restored", in order.</summary>
    public IReadOnlyList<string> ConnectionEvents
    {
        get
        {
            lock (_gate)
            {
                return [.. _connectionEvents];
            }
        }
    }

    public IEnumerable<TopicPublication> PublicationsOf(string topic) => Publications.Where(p => p.Topic == topic);

    public async ValueTask OnPublicationAsync(TopicPublication publication)
    {
        if (Interlocked.Increment(ref _inPublication) > 1)
        {
            OverlappingPublications = true;
        }

        await Task.Yield();
        Interlocked.Decrement(ref _inPublication);
        Record(() => _publications.Add(publication));
    }

    public ValueTask OnBroadcastAsync(BackplaneMessage message)
    {
        Record(() => _broadcasts.Add(message));
        return ValueTask.CompletedTask;
    }

    public void OnMembership(string topic, ClusterMember member, bool joined) => Record(() => _memberships.Add((topic, member, joined)));

    public void OnConnectionLost(Exception error) => Record(() => _connectionEvents.Add("lost"));

    public void OnConnectionRestored() => Record(() => _connectionEvents.Add("restored"));

    public void OnPublicationsDrained() => Interlocked.Increment(ref _drained);

    /// <summary>How many runs of publications ended.</summary>
    public int Drained => Volatile.Read(ref _drained);

    private int _drained;

    /// <summary>Completes when <paramref name="condition"/> holds (checked now and after every recorded call); fails
    /// the test after <see cref="Patience"/>.</summary>
    public async Task WaitUntilAsync(Func<RecordingHandler, bool> condition, string what)
    {
        var signal = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var entry = (Condition: (Func<bool>)(() => condition(this)), Signal: signal);
        lock (_gate)
        {
            if (entry.Condition())
            {
                return;
            }

            _waiters.Add(entry);
        }

        try
        {
            await signal.Task.WaitAsync(Patience);
        }
        catch (TimeoutException)
        {
            Assert.Fail($"Timed out after {Patience.TotalSeconds} s waiting for: {what}");
        }
        finally
        {
            lock (_gate)
            {
                _waiters.Remove(entry);
            }
        }
    }

    private void Record(Action change)
    {
        lock (_gate)
        {
            change();
            foreach (var waiter in _waiters.ToArray())
            {
                bool met;
                try
                {
                    met = waiter.Condition();
                }
                catch (InvalidOperationException)
                {
                    met = false;
                }

                if (met)
                {
                    waiter.Signal.TrySetResult();
                    _waiters.Remove(waiter);
                }
            }
        }
    }
}
