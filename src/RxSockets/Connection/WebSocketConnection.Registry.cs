using RxSockets.Transport;

namespace RxSockets;

/// <summary>The links of the server's registry of open connections (an intrusive list: no node or bucket per
/// connection), guarded by the registry's lock.</summary>
public sealed partial class WebSocketConnection : IListNode<WebSocketConnection>
{
    internal WebSocketConnection? RegistryPrevious;
    internal WebSocketConnection? RegistryNext;

    WebSocketConnection? IListNode<WebSocketConnection>.Previous { get => RegistryPrevious; set => RegistryPrevious = value; }

    WebSocketConnection? IListNode<WebSocketConnection>.Next { get => RegistryNext; set => RegistryNext = value; }
}
