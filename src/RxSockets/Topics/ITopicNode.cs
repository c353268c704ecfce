using Microsoft.Extensions.Logging;
using RxSockets.Scaling;
using RxSockets.Transport;

namespace RxSockets.Topics;

/// <summary>
/// What a topic needs of the server node that hosts it: the topics' plug-in seam. The server's node implements it (the
/// server composes topics and sits above them), so a topic never names the server, its options or its connections'
/// registry: it is handed the backplane and this node's id, the delivery of one prepared frame to members within each
/// one's outbound budget, and the little else it reads.
/// </summary>
internal interface ITopicNode
{
    /// <summary>The cluster's backplane: publications go through it and come back to every node.</summary>
    IBackplane Backplane { get; }

    /// <summary>This node's id in its cluster.</summary>
    string NodeId { get; }

    /// <summary>Where topics log.</summary>
    ILogger Logger { get; }

    /// <summary>The fragment size publications are framed with.</summary>
    int FragmentSize { get; }

    /// <summary>Wakes the writers of topic deliveries together.</summary>
    WakeBatch Wakes { get; }

    /// <summary>Queues <paramref name="frame"/> on every open recipient within its outbound budget, applying the
    /// server's overflow policy to a slow one; with a <paramref name="batch"/>, idle writers are woken together.</summary>
    /// <returns>The number of connections the frame was queued on.</returns>
    ValueTask<int> DeliverAsync(PreparedFrame frame, IEnumerable<WebSocketConnection> recipients, WakeBatch? batch, CancellationToken cancellationToken);

    /// <summary>Throws when the node's backplane was never started (a detached server that skipped connecting it).</summary>
    void EnsureStarted();

    /// <summary>Throws <see cref="ObjectDisposedException"/> once the server has stopped.</summary>
    void ThrowIfStopped();
}
