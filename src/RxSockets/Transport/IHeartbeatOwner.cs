namespace RxSockets.Transport;

/// <summary>What a <see cref="Heartbeat"/> needs from its connection: an interface rather than three delegates, so
/// an idle connection's keepalive costs one small object.</summary>
internal interface IHeartbeatOwner
{
    /// <summary>Queues a keepalive ping.</summary>
    void SendKeepAlivePing();

    /// <summary>No sign of life arrived within the timeout after a ping: the peer is dead.</summary>
    void OnKeepAliveTimeout(TimeoutException error);

    /// <summary>True while the read loop deliberately holds back (backpressure), which pauses the deadline.</summary>
    bool IsKeepAlivePaused { get; }
}
