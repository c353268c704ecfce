namespace RxSockets.Connection;

/// <summary>The client connection options' defaults, for <see cref="WebSocketConnection.ConnectAsync(Uri, ClientConnectionOptions?, CancellationToken)"/>
/// without options: what a <see cref="WebSocketClientOptions"/> holds by default for a connection (the connection
/// path cannot name the client's options: the client is built on connections).</summary>
internal sealed class DefaultClientConnectionOptions : ClientConnectionOptions
{
    private protected override ConnectionOptions CopyValidated()
    {
        Validate();
        return CopyClientConnection();
    }
}
