using RxSockets.Transport;

namespace RxSockets.Tests.Support;

/// <summary>
/// Looks inside a connection's <see cref="ConnectionDriver"/> (its <see cref="Inbox"/> and <see cref="Outbox"/>) where no public signal exists: whether the read loop is holding
/// back for backpressure, and what waits in the control lane. Used only to know when a test may advance virtual time.
/// </summary>
internal static class DriverProbe
{
    public static ConnectionDriver Of(WebSocketConnection connection) => connection.Driver;

    public static bool IsReadPaused(WebSocketConnection connection) => connection.Driver.Inbox.IsReadPaused;

    /// <summary>Whether the read loop holds back because the most pongs allowed wait for the writer.</summary>
    public static bool IsPongPaused(WebSocketConnection connection) => connection.Driver.Outbox.IsPongPaused;

    /// <summary>Pongs queued and not yet taken by the writer, and their payload bytes.</summary>
    public static (int Count, int Bytes) PendingPongs(WebSocketConnection connection) =>
        (connection.Driver.Outbox.PendingPongs, connection.Driver.Outbox.PendingPongBytes);

    /// <summary>Waits until the read loop waits for <see cref="WebSocketConnection.Resume"/> after a
    /// <see cref="WebSocketConnection.Pause"/>: from then on it reads nothing.</summary>
    public static Task WaitUntilParkedAsync(WebSocketConnection connection, CancellationToken cancellationToken) =>
        Until.TrueAsync(() => connection.Driver.Inbox.IsParked, cancellationToken);

    /// <summary>Waits until the read loop has stopped reading because the receive queue is full.</summary>
    public static Task WaitUntilReadPausedAsync(WebSocketConnection connection, CancellationToken cancellationToken) =>
        Until.TrueAsync(() => IsReadPaused(connection), cancellationToken);
}
