namespace RxSockets.Interop.Tests.Support;

/// <summary>Which third-party WebSocket implementation a peer process runs.</summary>
public enum PeerKind
{
    /// <summary>node's <c>ws</c> 8.x, from <c>peers/node_modules</c>.</summary>
    Node,

    /// <summary>python's <c>websockets</c>, from Debian's python3-websockets under <c>/usr/bin/python3</c>.</summary>
    Python,
}
