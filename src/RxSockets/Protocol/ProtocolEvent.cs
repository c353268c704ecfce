namespace RxSockets.Protocol;

/// <summary>What <see cref="WebSocketProtocol.Read"/> found next in the inbound bytes.</summary>
internal enum ProtocolEvent
{
    NeedMoreData,
    Message,
    Ping,
    Pong,
    Close,
}
