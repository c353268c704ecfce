namespace RxSockets;

/// <summary>Which end of the connection this is; it decides the masking rules (RFC 6455 §5.3).</summary>
public enum ConnectionRole
{
    /// <summary>The client end: masks every frame it sends and rejects masked frames.</summary>
    Client,

    /// <summary>The server end: requires masked frames and never masks its own.</summary>
    Server,
}
