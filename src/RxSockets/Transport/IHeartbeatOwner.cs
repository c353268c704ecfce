namespace RxSockets.Transport;

/// <summary>
/// One connection's keepalive, as its <see cref="HeartbeatClock"/> sees it: a ping every interval; when no frame at
/// all has arrived within the timeout after a ping, the peer is declared dead. While the read loop deliberately holds
/// back (backpressure) the deadline is paused, so a busy but healthy peer is never declared dead. A silent peer is
/// detected within interval + timeout.
/// </summary>
/// <remarks>
/// The connection is its own keepalive: it is a node of its clock's intrusive list and keeps the unanswered ping's time
/// in a field, so an idle connection's keepalive costs three references and a long in the connection, and no object
/// or timer of its own (the clock is shared: every connection with the same scheduler, interval and timeout joins one,
/// as a ws server pings all its clients from one interval). A connection's first ping therefore comes at the shared
/// clock's next tick, at most one interval after it joined. Thread-safe: ticks arrive on the scheduler, activity
/// reports on the read loop.
/// </remarks>
internal interface IHeartbeatOwner : IListNode<IHeartbeatOwner>
{
    /// <summary>When the last sign of life arrived (UTC ticks on the clock's scheduler).</summary>
    long LastActivityTicks { get; }

    /// <summary>The unanswered ping's time (UTC ticks, 0 when none), guarded by the clock.</summary>
    long AwaitingSince { get; set; }

    /// <summary>True while the read loop deliberately holds back (backpressure), which pauses the deadline.</summary>
    bool IsKeepAlivePaused { get; }

    /// <summary>Queues a keepalive ping.</summary>
    void SendKeepAlivePing();

    /// <summary>No sign of life arrived within the timeout after a ping: the peer is dead.</summary>
    void OnKeepAliveTimeout(TimeoutException error);

    /// <summary>A sign of life: the deadline starts again from now (after a wait that paused it, for one).</summary>
    void OnActivity();
}
