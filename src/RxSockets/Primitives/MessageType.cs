namespace RxSockets;

/// <summary>The kind of a WebSocket data message (RFC 6455 §5.6).</summary>
public enum MessageType
{
    /// <summary>A text message: its payload is valid UTF-8.</summary>
    Text = 1,

    /// <summary>A binary message: its payload is opaque bytes.</summary>
    Binary = 2,
}
