namespace RxSockets;

/// <summary>
/// Resumable sessions between an RxSockets client and an RxSockets server: each direction numbers its messages, the
/// receiver acknowledges them, and the sender keeps what is unacknowledged in a bounded replay log, so that after a
/// drop the reconnected client and the server replay what the other missed and every message is delivered exactly
/// once and in order. Negotiated as the subprotocol <c>rxsockets.resume.v1</c>; a peer that does not speak it gets a
/// plain connection, and every reconnection is then a fresh session.
/// </summary>
/// <remarks>Not thread-safe while being configured; copied when a client or server is created from it.</remarks>
/// <example>
/// <code>
/// var server = await WebSocketServer.StartAsync(new WebSocketServerOptions
/// {
///     Resume = new ResumeOptions { SessionTimeout = TimeSpan.FromMinutes(2) },
/// });
/// </code>
/// </example>
public sealed class ResumeOptions
{
    /// <summary>The most unacknowledged messages kept for replay, per session and direction. When a new message would
    /// exceed it the oldest is discarded, and a later resume that needs it becomes a fresh session.</summary>
    /// <value>The default is 4,096.</value>
    public int MaxReplayMessages { get; set; } = 4096;

    /// <summary>The most payload bytes of unacknowledged messages kept for replay, per session and direction (the
    /// newest message is always kept, whatever its size).</summary>
    /// <value>The default is 4 MiB.</value>
    public long MaxReplayBytes { get; set; } = 4 * 1024 * 1024;

    /// <summary>A receiver acknowledges after this many messages at the latest.</summary>
    /// <value>The default is 64.</value>
    public int AckEvery { get; set; } = 64;

    /// <summary>A receiver acknowledges what it received within this time, even when fewer than
    /// <see cref="AckEvery"/> messages arrived; nothing is sent when nothing new arrived.</summary>
    /// <value>The default is 500 milliseconds, on the connection's <see cref="ConnectionOptions.Scheduler"/>.</value>
    public TimeSpan AckInterval { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Server only: how long a session whose client dropped is kept, waiting for the client to resume it.</summary>
    /// <value>The default is 60 seconds, on the server's <see cref="ConnectionOptions.Scheduler"/>.</value>
    public TimeSpan SessionTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Checks every property, naming the options property that holds these options.</summary>
    internal void Validate(string owner)
    {
        Require(MaxReplayMessages > 0, owner, nameof(MaxReplayMessages), "must be positive");
        Require(MaxReplayBytes > 0, owner, nameof(MaxReplayBytes), "must be positive");
        Require(AckEvery > 0, owner, nameof(AckEvery), "must be positive");
        Require(AckInterval > TimeSpan.Zero && AckInterval != Timeout.InfiniteTimeSpan, owner, nameof(AckInterval), "must be positive");
        Require(SessionTimeout > TimeSpan.Zero && SessionTimeout != Timeout.InfiniteTimeSpan, owner, nameof(SessionTimeout), "must be positive");
    }

    internal ResumeOptions Clone() => (ResumeOptions)MemberwiseClone();

    private static void Require(bool condition, string owner, string property, string rule)
    {
        if (!condition)
        {
            throw new ArgumentException($"{owner}.{property} {rule}.", owner);
        }
    }
}
