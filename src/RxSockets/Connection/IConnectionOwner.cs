namespace RxSockets.Connection;

/// <summary>Whoever tracks a connection until it ends (the server's registry), told directly when it closes: no
/// subscription, closure or observer per connection.</summary>
internal interface IConnectionOwner
{
    /// <summary>The connection reached <see cref="ConnectionState.Closed"/>; called before its <c>Completion</c>
    /// completes, possibly more than once (implementations are idempotent).</summary>
    void OnConnectionClosed(WebSocketConnection connection);
}
