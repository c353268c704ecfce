using RxSockets.Scaling;

namespace RxSockets;

// The topic's link to the backplane on this node: its subscription (made once, made again after a failure), the
// presence of its members, and what the backplane reports (other nodes' members, a lost connection).
public sealed partial class WebSocketTopic
{
    internal void OnRemoteMembership(ClusterMember member, bool joined)
    {
        lock (_changes)
        {
            _membership.Next(new TopicMembershipChange(this, null, joined, Count) { Member = member });
        }
    }

    internal void OnBackplaneLost()
    {
        FailPending(new BackplaneUnavailableException(
            $"Topic '{Name}': the backplane connection was lost before a publication came back to this node."));

        if (_members.IsEmpty)
        {
            return;
        }

        var gap = new TopicGap(this, null, Position, default, TopicGapReason.BackplaneLost);
        _ = ReportGapAsync(gap, [.. _members.Values]);
    }

    private void SubscribeInBackground()
    {
        var subscribed = CurrentSubscription();
        if (!subscribed.IsCompletedSuccessfully)
        {
            // Observed and logged, also when it failed at once; the next join or publish tries again.
            _ = subscribed.ContinueWith(task => Diagnostics.Log.BackplaneFailed(_node.Logger, "subscribe", Name, task.Exception!.GetBaseException()),
                CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }
    }

    private ValueTask SubscribeAsync(CancellationToken cancellationToken)
    {
        var subscribed = CurrentSubscription();
        return subscribed.IsCompletedSuccessfully ? ValueTask.CompletedTask : new ValueTask(subscribed.WaitAsync(cancellationToken));
    }

    /// <summary>The subscription made or under way; a failed one is made again.</summary>
    private Task CurrentSubscription() =>
        Volatile.Read(ref _subscribed) is { IsFaulted: false, IsCanceled: false } subscribed ? subscribed : Subscribe();

    private Task Subscribe()
    {
        _node.EnsureStarted();
        lock (_subscribing)
        {
            if (_subscribed is { IsFaulted: false, IsCanceled: false } existing)
            {
                return existing;
            }

            var task = _node.Backplane.SubscribeAsync(Name, CancellationToken.None).AsTask();
            Volatile.Write(ref _subscribed, task);
            return task;
        }
    }

    internal void Unsubscribe()
    {
        lock (_subscribing)
        {
            if (_subscribed is null)
            {
                return;
            }

            _subscribed = null;
        }

        _ = Observe(_node.Backplane.UnsubscribeAsync(Name, CancellationToken.None), "unsubscribe");
    }

    private void Presence(long connectionId, bool joined) =>
        _ = Observe(joined ? _node.Backplane.JoinAsync(Name, connectionId, CancellationToken.None) : _node.Backplane.LeaveAsync(Name, connectionId, CancellationToken.None),
            joined ? "join" : "leave");

    private async Task Observe(ValueTask operation, string what)
    {
        try
        {
            await operation.ConfigureAwait(false);
        }
#pragma warning disable CA1031 // Fire-and-forget bookkeeping: logged, never unobserved. The backplane re-adds presence when it reconnects.
        catch (Exception error)
#pragma warning restore CA1031
        {
            Diagnostics.Log.BackplaneFailed(_node.Logger, what, Name, error);
        }
    }
}
