namespace RxSockets.Transport;

/// <summary>The keepalive declared the peer dead; a distinct type so the reconnecting client can tell a heartbeat
/// timeout from a close-handshake timeout.</summary>
internal sealed class KeepAliveTimeoutException(string message) : TimeoutException(message);
