namespace RxSockets;

/// <summary>The links of the server's registry of open connections (an intrusive list: no node or bucket per
/// connection), guarded by the registry's lock.</summary>
public sealed partial class WebSocketConnection
{
    internal WebSocketConnection? RegistryPrevious;
    internal WebSocketConnection? RegistryNext;
}
