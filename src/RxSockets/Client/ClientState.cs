namespace RxSockets;

/// <summary>The life cycle of a reconnecting <see cref="WebSocketClient"/>.</summary>
public enum ClientState
{
    /// <summary>Created; <see cref="WebSocketClient.StartAsync"/> has not been called.</summary>
    Idle,

    /// <summary>A connection attempt (the first, or one requested with <see cref="WebSocketClient.ReconnectAsync"/>) is under way.</summary>
    Connecting,

    /// <summary>A connection is open: messages flow both ways.</summary>
    Open,

    /// <summary>The connection was lost; waiting for the backoff delay or retrying.</summary>
    Reconnecting,

    /// <summary>Not connected and not trying: stopped, gave up, or closed by the server in a way that does not call for a
    /// reconnect. <see cref="WebSocketClient.ReconnectAsync"/> starts again.</summary>
    Closed,

    /// <summary>Disposed: final.</summary>
    Disposed,
}
