namespace RxSockets.Connection;

/// <summary>The connection options' defaults, for a connection made over an upgraded transport without options
/// (<see cref="WebSocketConnection.Create"/>): what the client's and the server's options hold by default for a
/// connection (neither limits the peer's message rate by default).</summary>
internal sealed class DefaultConnectionOptions : ConnectionOptions
{
    private protected override ConnectionOptions CopyValidated()
    {
        Validate();
        return (ConnectionOptions)MemberwiseClone();
    }
}
