namespace RxSockets;

/// <summary>The life cycle of a connection, as in the browser's <c>readyState</c>.</summary>
public enum ConnectionState
{
    /// <summary>The opening handshake is under way.</summary>
    Connecting,

    /// <summary>The handshake succeeded; messages flow both ways.</summary>
    Open,

    /// <summary>A close frame has been sent or received; the close handshake is under way.</summary>
    Closing,

    /// <summary>The connection is closed and its transport released.</summary>
    Closed,
}
